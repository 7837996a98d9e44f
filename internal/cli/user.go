package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/users"
)

// userView is what `user list` prints: never the password hash or the TOTP
// secret. The e-mail is shown decrypted: the operator running the command
// holds the data key and is the controller of this personal data; it is
// printed on stdout only, never logged.
type userView struct {
	ID         string     `json:"id"`
	Username   string     `json:"username"`
	Email      string     `json:"email,omitempty"`
	MFAEnabled bool       `json:"mfa_enabled"`
	Disabled   bool       `json:"disabled"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`
}

func runUser(e *env, args []string) error {
	const usage = "usage: rempart user create --username U --password-stdin [--email E] | list | disable ID | mfa enroll ID"
	if len(args) == 0 {
		return usagef(usage)
	}
	switch args[0] {
	case "create":
		return userCreate(e, args[1:])
	case "list":
		return userList(e, args[1:])
	case "disable":
		return userDisable(e, args[1:])
	case "mfa":
		if len(args) < 2 || args[1] != "enroll" {
			return usagef("usage: rempart user mfa enroll ID")
		}
		return userMFAEnroll(e, args[2:])
	}
	return usagef(usage)
}

// withDirectory runs f with the user directory on the configured store and
// data key.
func withDirectory(e *env, cfgFlag string, f func(ctx context.Context, d *users.Directory) error) error {
	return withResources(e, cfgFlag, func(ctx context.Context, res *app.Resources) error {
		d, err := users.New(users.Deps{Store: res.Store, Sealer: res.Vault, Now: time.Now,
			Log: newLogger(e.stderr, slog.LevelWarn)})
		if err != nil {
			return err
		}
		return f(ctx, d)
	})
}

// userCreate adds a user and prints {"id"}. The password is read from the
// first line of stdin, never from the command line (where ps and the shell
// history would see it).
func userCreate(e *env, args []string) error {
	fs, cfgFlag := newFlagSet("user create", e.stderr)
	username := fs.String("username", "", "username: 1 to 64 of A-Z a-z 0-9 . _ @ - (case-insensitive)")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin (required)")
	email := fs.String("email", "", "e-mail address (optional; stored encrypted)")
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", truncateArg(pos[0]))
	}
	if *username == "" {
		return usagef("--username is required")
	}
	if !*passwordStdin {
		return usagef("--password-stdin is required: the password is read from stdin, never taken on the command line")
	}
	password, err := readPasswordLine(e.stdin, users.MaxPasswordLen)
	if err != nil {
		return err
	}
	return withDirectory(e, *cfgFlag, func(ctx context.Context, d *users.Directory) error {
		u, err := d.Create(ctx, users.NewUser{Username: *username, Password: password, Email: *email})
		if errors.Is(err, store.ErrConflict) {
			return errors.New("a user with this username already exists (usernames are case-insensitive)")
		}
		if err != nil {
			return err
		}
		return json.NewEncoder(e.stdout).Encode(map[string]string{"id": u.ID})
	})
}

// readPasswordLine reads one line from r, byte by byte so that nothing after
// it is consumed, and returns it without its line ending (LF or CRLF). A
// last line without a newline is accepted. It fails on an empty password or
// one longer than max bytes; the error never quotes the input.
func readPasswordLine(r io.Reader, max int) (string, error) {
	buf := make([]byte, 0, 64)
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			if len(buf) > max { // room for a '\r' after max bytes
				return "", fmt.Errorf("the password on stdin is longer than %d bytes", max)
			}
			buf = append(buf, b[0])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading the password from stdin: %w", err)
		}
	}
	if l := len(buf); l > 0 && buf[l-1] == '\r' {
		buf = buf[:l-1]
	}
	if len(buf) > max {
		return "", fmt.Errorf("the password on stdin is longer than %d bytes", max)
	}
	if len(buf) == 0 {
		return "", errors.New("no password on stdin: give it as the first line")
	}
	return string(buf), nil
}

func userList(e *env, args []string) error {
	fs, cfgFlag := newFlagSet("user list", e.stderr)
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("usage: rempart user list")
	}
	return withDirectory(e, *cfgFlag, func(ctx context.Context, d *users.Directory) error {
		us, err := d.List(ctx)
		if err != nil {
			return err
		}
		views := make([]userView, 0, len(us))
		for _, u := range us {
			email, err := d.Email(u)
			if err != nil {
				return fmt.Errorf("user %s: the e-mail does not decrypt: is encryption_key the key the users were created with?", u.ID)
			}
			v := userView{ID: u.ID, Username: u.Username, Email: email, MFAEnabled: u.MFAEnabled,
				Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC()}
			if !u.UpdatedAt.IsZero() {
				t := u.UpdatedAt.UTC()
				v.UpdatedAt = &t
			}
			views = append(views, v)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	})
}

// userDisable stops a user from logging in; disabling twice succeeds.
func userDisable(e *env, args []string) error {
	id, cfgFlag, err := oneUserID(e, "disable", args)
	if err != nil {
		return err
	}
	return withDirectory(e, cfgFlag, func(ctx context.Context, d *users.Directory) error {
		if err := d.Disable(ctx, id); err != nil {
			return userErr(err)
		}
		fmt.Fprintf(e.stderr, "user %s disabled\n", id)
		return nil
	})
}

// userMFAEnroll gives the user a new TOTP secret and prints
// {"otpauth_uri"} once (A8).
func userMFAEnroll(e *env, args []string) error {
	id, cfgFlag, err := oneUserID(e, "mfa enroll", args)
	if err != nil {
		return err
	}
	return withDirectory(e, cfgFlag, func(ctx context.Context, d *users.Directory) error {
		uri, err := d.EnrollTOTP(ctx, id)
		if err != nil {
			return userErr(err)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false) // keep the URI's '&' readable
		if err := enc.Encode(map[string]string{"otpauth_uri": uri}); err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, "MFA enabled: add the URI to an authenticator app now, it is not shown again; any previous authenticator of this user stops working")
		return nil
	})
}

// oneUserID parses `user SUB ID [--config F]`.
func oneUserID(e *env, sub string, args []string) (id, cfgFlag string, err error) {
	fs, cfg := newFlagSet("user "+sub, e.stderr)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return "", "", err
	}
	if len(pos) != 1 {
		return "", "", usagef("usage: rempart user %s ID", sub)
	}
	return pos[0], *cfg, nil
}

// userErr turns an unknown id into the operator's message.
func userErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errors.New("no user with this id (see 'rempart user list')")
	}
	return err
}
