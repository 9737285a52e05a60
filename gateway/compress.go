package gateway

import (
	"fmt"
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// compressMinBytes: below this a response is sent as it is; a few hundred bytes fit in one
// packet either way, and compressing them costs CPU for nothing.
const compressMinBytes = 1024

// withCompression compresses responses for clients that accept it, zstd or gzip as the client
// prefers (zstd when both are equally welcome), with klauspost/compress's gzhttp: it negotiates
// Accept-Encoding with q-values, sets Vary, skips small and already compressed bodies, and
// flushes the encoder on every Flush, so multipart @defer parts still stream. Brotli is left
// out: gzhttp does not do it, a second negotiation layer would be our own code, and the
// clients that accept br accept gzip too.
func withCompression(next http.Handler) (http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(compressMinBytes))
	if err != nil {
		return nil, fmt.Errorf("compression: %w", err)
	}
	return wrap(next), nil
}
