package gateway

import (
	"fmt"
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// compressMinBytes: below this a response is sent as it is; compressing a few hundred bytes
// saves less than the Content-Encoding costs on a mobile link.
const compressMinBytes = 1024

// withCompression compresses responses for clients that accept it, zstd or gzip as the client
// prefers (zstd when both are equally welcome), with klauspost/compress's gzhttp: it negotiates
// Accept-Encoding with q-values, sets Vary, skips small and already compressed bodies, and
// flushes the encoder on every Flush, so multipart @defer parts still stream. Brotli is left
// out: no maintained Go encoder comes with an HTTP layer, and every client that sends br also
// sends gzip.
func withCompression(next http.Handler) (http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(compressMinBytes))
	if err != nil {
		return nil, fmt.Errorf("compression: %w", err)
	}
	return wrap(next), nil
}
