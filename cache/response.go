package cache

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"

	"custgraph/reqlog"
)

// responseType names the whole-response entries in keys and in Stats: hits are responses
// served, misses responses that had to run (none stored, or a stamp changed), bypassed
// responses not stored because something in them was untracked.
var responseType = Type{Name: "response"}

// responseFormat starts every stored response, so a change of layout reads as a miss.
const responseFormat = "r1\n"

// Response returns the stored response data of key when every entry it was built from is
// unchanged since (deps.go): one GetMany for the response, one for its stamps. Any failure is
// a miss.
func (c *Cache) Response(ctx context.Context, key string) ([]byte, bool) {
	st := c.stats(responseType.Name)
	k := c.Key(responseType, key)
	got, ok := c.read(ctx, st, []string{k})
	if !ok {
		return nil, false
	}
	raw, ok := got[k]
	if !ok {
		st.misses.Add(1)
		return nil, false
	}
	stamps, data, err := decodeResponse(raw)
	if err != nil {
		st.errors.Add(1)
		st.misses.Add(1)
		return nil, false
	}
	keys := make([]string, 0, len(stamps))
	for sk := range stamps {
		keys = append(keys, c.prefix+sk)
	}
	now, ok := c.read(ctx, st, keys)
	if !ok {
		return nil, false
	}
	for _, full := range keys {
		if v, ok := now[full]; !ok || !bytes.Equal(v, stamps[full[len(c.prefix):]]) {
			st.misses.Add(1)
			return nil, false
		}
	}
	st.hits.Add(1)
	reqlog.From(ctx).CacheLookups(1, 0)
	return data, true
}

// MaxStoredResponse is the largest response data stored: a bigger answer is cheap to render
// relative to its size on the wire, and would crowd the store.
const MaxStoredResponse = 1 << 20

// StoreResponse stores data under key when d shows it was built from cache entries only, for
// the shortest lifetime among them, and data is at most MaxStoredResponse bytes.
func (c *Cache) StoreResponse(ctx context.Context, key string, data []byte, d *Deps) {
	st := c.stats(responseType.Name)
	stamps, ttl, ok := d.snapshot()
	if !ok || len(data) > MaxStoredResponse {
		st.bypassed.Add(1)
		return
	}
	c.write(ctx, st, []Entry{{Key: c.Key(responseType, key), Value: encodeResponse(stamps, data), TTL: ttl}})
}

// encodeResponse lays out a stored response: the format line, the number of stamps, each stamp
// key and token with its length before it, then the data.
func encodeResponse(stamps map[string][]byte, data []byte) []byte {
	n := len(responseFormat) + binary.MaxVarintLen64 + len(data)
	for k, v := range stamps {
		n += len(k) + len(v) + 2*binary.MaxVarintLen64
	}
	b := make([]byte, 0, n)
	b = append(b, responseFormat...)
	b = binary.AppendUvarint(b, uint64(len(stamps)))
	for k, v := range stamps {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return append(b, data...)
}

var errBadResponse = errors.New("cache: stored response does not decode")

func decodeResponse(b []byte) (stamps map[string][]byte, data []byte, err error) {
	if !bytes.HasPrefix(b, []byte(responseFormat)) {
		return nil, nil, errBadResponse
	}
	b = b[len(responseFormat):]
	next := func() ([]byte, bool) {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return nil, false
		}
		v := b[n : n+int(l)]
		b = b[n+int(l):]
		return v, true
	}
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, nil, errBadResponse
	}
	b = b[n:]
	stamps = make(map[string][]byte, count)
	for range count {
		k, ok1 := next()
		v, ok2 := next()
		if !ok1 || !ok2 {
			return nil, nil, errBadResponse
		}
		stamps[string(k)] = v
	}
	if len(stamps) == 0 {
		return nil, nil, errBadResponse
	}
	return stamps, b, nil
}
