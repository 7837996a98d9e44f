package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the file at path and parses it with Parse, resolving relative
// paths against the file's directory. It does not validate: call Validate
// or Check on the result.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, dir)
}

// Parse decodes a YAML configuration strictly, resolves ${env:…} and
// ${file:…} references, applies defaults (ApplyDefaults) and makes relative
// paths absolute against baseDir. Every decode problem is reported at once,
// as an errors.Join of *Problem values. Parse does not validate: call
// Validate or Check on the result.
func Parse(data []byte, baseDir string) (*Config, error) {
	return parse(data, baseDir, os.LookupEnv, readFileLimited)
}

// parse is Parse with the environment and the file system injected.
func parse(data []byte, baseDir string, lookupEnv func(string) (string, bool), readFile func(string) ([]byte, error)) (*Config, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, err
	}
	d := &decoder{res: resolver{baseDir: baseDir, lookupEnv: lookupEnv, readFile: readFile}}
	var c Config
	if root != nil {
		d.value("", root, reflect.ValueOf(&c).Elem())
	}
	if len(d.problems) > 0 {
		return nil, errors.Join(d.problems...)
	}
	c.literal = d.literal
	ApplyDefaults(&c)
	resolvePaths(&c, baseDir)
	return &c, nil
}

// parseYAML returns the root node of the single document in data, or nil
// for an empty document.
func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, errors.Join(&Problem{Message: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")})
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.Join(&Problem{Message: "invalid YAML: the file must hold exactly one document"})
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		return doc.Content[0], nil
	}
	return &doc, nil
}
