// Oracle for tests/layers/test_layers_proxy_env_go.py: Go's own net/http.ProxyFromEnvironment
// (which uses the vendored golang.org/x/net/http/httpproxy). Reads request URLs, one per line, on
// stdin and prints the proxy URL chosen for each, or "<nil>" for a direct connection. The proxy
// environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) is the process environment.
package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		req, err := http.NewRequest("GET", in.Text(), nil)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		proxy, err := http.ProxyFromEnvironment(req)
		switch {
		case err != nil:
			fmt.Println("error:", err)
		case proxy == nil:
			fmt.Println("<nil>")
		default:
			fmt.Println(proxy.String())
		}
	}
}
