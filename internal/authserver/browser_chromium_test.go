package authserver_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/rempart/rempart/internal/authserver"
)

// chromiumPath is Debian's chromium; CI installs it (.ci/run).
const chromiumPath = "/usr/bin/chromium"

// artifactsDir is where browser tests leave screenshots: $REMPART_ARTIFACTS,
// else <tmp>/rempart-artifacts.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("REMPART_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "rempart-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestChromiumLoginAndConsent drives a real headless Chromium through the
// login, second-factor (a wrong code first) and consent pages to a test client's redirect URI, which captures
// the code; the code is then exchanged. It checks that the pages work
// without JavaScript under their CSP (form-action included: the consent
// form's 303 to the client is a form-submission redirect) and leaves
// screenshots of each page as artifacts.
func TestChromiumLoginAndConsent(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("%s not found: install Debian's chromium package to run the browser test (.ci/run does)", chromiumPath)
	}
	e := newBFEnv(t, bfOptions{})
	codes := make(chan url.Values, 1)
	app := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cb" {
			http.NotFound(w, r)
			return
		}
		select {
		case codes <- r.URL.Query():
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!DOCTYPE html><html lang="en"><title>Sample app</title><h1 id="done">Signed in to the sample app</h1></html>`))
	}))
	t.Cleanup(app.Close)
	redirect := app.URL + "/cb"
	cl := e.register(t, "Sample app", func(s *authserver.ClientSpec) { s.RedirectURIs = []string{redirect} })
	u := e.addUser(t, "tina", true)
	ctx, _, cfg := oidcSetup(t, e, cl)
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("browser-state", oauth2.S256ChallengeOption(verifier))

	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		// The test servers' certificates come from httptest's own CA,
		// which Chromium cannot be told to trust without a profile NSS
		// database; the flag is acceptable in a test.
		chromedp.IgnoreCertErrors,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 900),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	defer cancelBrowser()
	// The first Run starts the browser: no timeout on it (it would stop the
	// browser); the steps below get one.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	sctx, cancelSteps := context.WithTimeout(bctx, 30*time.Second)
	defer cancelSteps()

	dir := artifactsDir(t)
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			p := filepath.Join(dir, "chromium-"+name+".png")
			if err := os.WriteFile(p, png, 0o644); err != nil {
				return err
			}
			t.Logf("screenshot: %s", p)
			return nil
		})
	}
	var consentText string
	err := chromedp.Do(sctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.ID("username")),
		shot("1-login"),
		chromedp.SendKeys(chromedp.ID("username"), u.name),
		chromedp.SendKeys(chromedp.ID("password"), u.password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("otp")),
		chromedp.SendKeys(chromedp.ID("otp"), "000000"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("otp-error")),
		shot("2-mfa-error"),
		chromedp.SendKeys(chromedp.ID("otp"), e.totpCode(t, u)),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="allow"]`)),
		shot("3-consent"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			consentText, err = chromedp.Text(chromedp.CSS("main"))(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS(`button[value="allow"]`)),
		chromedp.WaitVisible(chromedp.ID("done")),
		shot("4-client"),
	)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("chromium did not reach the client (timeout); server log:\n%s", e.logs.String())
		}
		t.Fatalf("chromium: %v", err)
	}
	var q url.Values
	select {
	case q = <-codes:
	default:
		t.Fatal("the client's redirect URI received nothing")
	}
	if q.Get("state") != "browser-state" || q.Get("iss") != e.issuer {
		t.Errorf("redirect query %v: want state and iss", q)
	}
	if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Errorf("Exchange of the browser's code: %v", err)
	}
	if consentText == "" {
		t.Error("empty consent page")
	}
}
