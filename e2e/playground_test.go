package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"custgraph/gateway"
)

// screenshotEnv names the variable that makes TestPlaygroundInBrowser write the screenshot kept
// in docs/ (CUSTGRAPH_PLAYGROUND_SCREENSHOT=1 go test ./e2e/ -run TestPlaygroundInBrowser).
const screenshotEnv = "CUSTGRAPH_PLAYGROUND_SCREENSHOT"

// chromiumPath is Debian's chromium, or another Chromium/Chrome named by CHROMIUM_PATH.
func chromiumPath() (string, bool) {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p, true
	}
	p, err := exec.LookPath("/usr/bin/chromium")
	return p, err == nil
}

// TestPlaygroundInBrowser opens the playground in a real headless Chromium, runs the preloaded
// example query with the run button, and checks that the result pane shows the same data the
// API returns, with no script error and no Content-Security-Policy violation on the way: the
// page must work from the binary's own files alone.
func TestPlaygroundInBrowser(t *testing.T) {
	bin, ok := chromiumPath()
	if !ok {
		t.Skip("no browser: /usr/bin/chromium is missing (apt-get install chromium; .ci/run installs it)")
	}
	h := newHarness(t, harnessOptions{})

	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(),
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	)
	// Registered after TempDir, so it runs first: the browser exits before its profile is removed.
	t.Cleanup(cancelAlloc)
	// Script errors arrive on chromedp's goroutine that reads the tab's messages.
	var (
		mu           sync.Mutex
		scriptErrors []string
	)
	listen := chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if e := ev.ExceptionDetails.Exception; e != nil {
				msg += " " + e.Description
			}
			scriptErrors = append(scriptErrors, msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				scriptErrors = append(scriptErrors, "console.error: "+strings.Join(parts, " "))
			}
		}
	})
	browser, cancelBrowser := chromedp.NewContext(alloc, listen)
	t.Cleanup(cancelBrowser)
	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	defer cancel()

	// Injected by the browser, not the page, so the CSP under test does not apply to it.
	watchCSP := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = [];
				document.addEventListener('securitypolicyviolation',
					(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
		})
		return err
	})
	errs := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), scriptErrors...)
	}
	err := chromedp.Do(ctx,
		watchCSP,
		chromedp.Navigate(h.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-query-editor .CodeMirror`)),
	)
	if err != nil {
		t.Fatalf("open the playground: %v (script errors %q)", err, errs())
	}
	query, err := chromedp.Run(ctx, chromedp.Poll[string](
		`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("read the query editor: %v (script errors %q)", err, errs())
	}
	if query != gateway.ExampleQuery {
		t.Errorf("editor holds %q, want the example query", query)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.graphiql-execute-button`))); err != nil {
		t.Fatalf("click run: %v", err)
	}
	// The result pane is a CodeMirror too; wait until it holds a whole response.
	result, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
			const cm = document.querySelector('.result-window .CodeMirror');
			const v = cm && cm.CodeMirror.getValue();
			return v && v.includes('"data"') ? v : null;
		})()`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("wait for the result: %v (script errors %q)", err, errs())
	}
	var shown struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal([]byte(result), &shown); err != nil {
		t.Fatalf("result pane is not a GraphQL response: %v\n%s", err, result)
	}
	if len(shown.Errors) > 0 {
		t.Fatalf("result pane shows errors: %+v", shown.Errors)
	}
	if name := h.seed.Customers[0].Name; !strings.Contains(result, name) {
		t.Errorf("result pane lacks the first seeded customer %q:\n%s", name, result)
	}
	// The browser showed exactly what the API answers to the same query.
	var got, want any
	_ = json.Unmarshal(shown.Data, &got)
	_ = json.Unmarshal(h.do(gateway.ExampleQuery, nil).Data, &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("result pane data differs from the API's:\n got %s", shown.Data)
	}
	if os.Getenv(screenshotEnv) != "" {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join("..", "docs", "playground.png")
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", out)
	}

	// The documentation explorer shows the schema (an introspection query from the browser);
	// the settings dialog adds a <style> element, which the page's CSP must allow by nonce.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-doc-explorer .graphiql-doc-explorer-type-name`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Open settings dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-dialog`)),
	)
	if err != nil {
		t.Fatalf("open the docs and the settings: %v (script errors %q)", err, errs())
	}
	docs, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.graphiql-doc-explorer`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(docs, "CustomerCategory") {
		t.Errorf("documentation explorer lacks the schema's types:\n%s", docs)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) > 0 {
		t.Errorf("Content-Security-Policy violations: %q", violations)
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("script errors: %q", e)
	}
}
