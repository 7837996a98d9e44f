// Command rempart is Rempart's single binary: authorization server, API
// gateway and admin listener. See `rempart help`.
package main

import (
	"os"

	"github.com/rempart/rempart/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
