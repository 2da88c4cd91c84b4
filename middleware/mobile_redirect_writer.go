package middleware

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/shopbridge/shopbridge/redirect"
)

// injectWriter wraps the response writer of a page, like Echo's BodyDump
// does, to put the snippet before </head> and the Mobile Header after
// <body...>. Responses that are not 200 text/html without Content-Encoding
// pass through untouched. HTML without Content-Length is streamed: only a
// few bytes of a possibly split tag are held back. HTML with a
// Content-Length is buffered (up to MaxBufferedBody) so that the length can
// be corrected.
type injectWriter struct {
	w  http.ResponseWriter
	st *reqState

	wantSnippet bool
	wantHeader  bool
	wroteHeader bool
	discard     bool // a redirect was written from inside the handler

	mode    writeMode
	status  int
	length  int // Content-Length of buffered responses
	scan    scanState
	quote   byte // open quote inside the <body> tag
	afterEq bool // inside the <body> tag, after '=' (and white space)
	headHit bool // </head> or <body> seen: no snippet any more

	snippet    []byte
	snippetFor redirect.Page // page the pooled snippet was rendered for
	// snippetBy is the settings generation the pooled snippet is from.
	snippetBy *redirect.Redirector
	snippetOK bool
	pend      []byte // bytes of a possibly split tag, held back
	out       []byte // scratch for the processed output
	buf       []byte // buffered body
}

type writeMode uint8

const (
	modePass writeMode = iota
	modeStream
	modeBuffer
)

type scanState uint8

const (
	scanTags    scanState = iota // looking for </head> and <body>
	scanBodyTag                  // inside <body ...>, looking for its '>'
	scanDone
)

// maxPooledBuffer bounds the scratch memory a pooled writer keeps.
const maxPooledBuffer = 64 << 10

func (w *injectWriter) reset() {
	st := w.st
	*st = reqState{m: st.m}
	w.w = nil
	w.wantSnippet, w.wantHeader, w.wroteHeader, w.discard = false, false, false, false
	w.mode, w.status, w.length, w.scan, w.quote, w.afterEq, w.headHit = modePass, 0, 0, scanTags, 0, false, false
	w.pend, w.out, w.buf = w.pend[:0], w.out[:0], w.buf[:0]
}

// release drops references and oversized buffers before pooling.
func (w *injectWriter) release() {
	w.w = nil
	w.st.req, w.st.ua = nil, ""
	if cap(w.out) > maxPooledBuffer {
		w.out = nil
	}
	if cap(w.buf) > maxPooledBuffer {
		w.buf = nil
	}
	if cap(w.snippet) > maxPooledBuffer {
		w.snippet, w.snippetOK = nil, false
	}
}

// Header implements http.ResponseWriter.
func (w *injectWriter) Header() http.Header { return w.w.Header() }

// WriteHeader implements http.ResponseWriter: it decides whether the
// response is one to inject into.
func (w *injectWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	if w.discard {
		return
	}
	w.status = code
	w.mode = modePass
	if err := w.prepare(code); err != nil {
		w.mode = modePass
		w.st.m.logError("mobile redirect: injection skipped", err)
	}
	if w.mode != modeBuffer {
		w.w.WriteHeader(code)
	}
}

// prepare chooses the mode and renders what will be injected.
func (w *injectWriter) prepare(code int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	if code != http.StatusOK || w.st.req.Method != http.MethodGet || (!w.wantSnippet && !w.wantHeader) {
		return nil
	}
	h := w.w.Header()
	if !isHTML(headerValue(h, echo.HeaderContentType)) {
		return nil
	}
	if ce := headerValue(h, echo.HeaderContentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil
	}
	m := w.st.m
	if w.wantSnippet && (!w.snippetOK || w.snippetFor != w.st.page || w.snippetBy != w.st.r) {
		// Pooled writers keep their last snippet: hot pages (the home page,
		// best sellers) are rendered once per writer, not per request.
		w.snippetOK = false
		w.snippet = w.st.r.AppendSnippet(w.snippet[:0], w.st.page)
		w.snippetFor, w.snippetBy, w.snippetOK = w.st.page, w.st.r, true
	}
	if !w.wantSnippet || len(w.snippet) == 0 {
		w.headHit = true
	}
	if cl := headerValue(h, echo.HeaderContentLength); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || n > m.cfg.MaxBufferedBody {
			return nil
		}
		w.length = n
		w.mode = modeBuffer
		return nil
	}
	w.mode = modeStream
	return nil
}

func isHTML(ct string) bool {
	return len(ct) >= 9 && strings.EqualFold(ct[:9], "text/html")
}

// Write implements http.ResponseWriter.
func (w *injectWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.discard:
		return len(p), nil
	case w.mode == modeStream:
		return w.writeStream(p)
	case w.mode == modeBuffer:
		w.buf = append(w.buf, p...)
		if len(w.buf) >= w.length {
			err := w.flushBuffer()
			return len(p), err
		}
		return len(p), nil
	}
	return w.w.Write(p)
}

func (w *injectWriter) writeStream(p []byte) (n int, err error) {
	held := len(w.pend)
	out, perr := w.process(w.out[:0], p, false)
	if perr != nil {
		// Write what the handler produced, unchanged, from here on.
		w.st.m.logError("mobile redirect: injection failed, page served unchanged", perr)
		w.mode = modePass
		if held > 0 {
			if _, err := w.w.Write(w.pend[:held]); err != nil {
				return 0, err
			}
		}
		w.pend = w.pend[:0]
		return w.w.Write(p)
	}
	w.out = out[:0]
	if w.scan == scanDone && len(w.pend) == 0 {
		w.mode = modePass
	}
	if len(out) > 0 {
		if _, err := w.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flushBuffer injects into the complete buffered body and writes it with
// its corrected Content-Length.
func (w *injectWriter) flushBuffer() error {
	body := w.buf
	out, err := w.process(w.out[:0], body, true)
	if err != nil {
		w.st.m.logError("mobile redirect: injection failed, page served unchanged", err)
		out = body
	} else {
		w.out = out[:0]
	}
	w.mode = modePass
	w.w.Header().Set(echo.HeaderContentLength, strconv.Itoa(len(out)))
	w.w.WriteHeader(w.status)
	_, werr := w.w.Write(out)
	w.buf = w.buf[:0]
	return werr
}

// finish writes what is still held back when the handler is done.
func (w *injectWriter) finish() {
	switch w.mode {
	case modeStream:
		if len(w.pend) > 0 {
			_, _ = w.w.Write(w.pend)
			w.pend = w.pend[:0]
		}
	case modeBuffer:
		// Shorter than announced: send it as it is.
		w.mode = modePass
		w.w.WriteHeader(w.status)
		_, _ = w.w.Write(w.buf)
	}
	w.mode = modePass
}

var (
	markHead = []byte("</head")
	markBody = []byte("<body")
)

// process appends the output for the next chunk p to out: p with the
// snippet before the first </head> and the header after the first <body...>
// tag. Unless final, a trailing fragment that may start a tag is kept in
// w.pend for the next call.
func (w *injectWriter) process(out, p []byte, final bool) (_ []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	data := p
	if len(w.pend) > 0 {
		w.pend = append(w.pend, p...)
		data = w.pend
	}
	keep := 0 // bytes of data to hold back
	start, i := 0, 0
	for w.scan != scanDone && i < len(data) {
		if w.scan == scanBodyTag {
			// HTML tokenizer rules: a quote opens a value only right after
			// '=' (white space allowed between); elsewhere, e.g. inside an
			// unquoted value (data-shop=Tom's), it is an ordinary character.
		tag:
			for ; i < len(data); i++ {
				c := data[i]
				if w.quote != 0 {
					if c == w.quote {
						w.quote = 0
					}
					continue
				}
				switch c {
				case '>':
					break tag
				case '=':
					w.afterEq = true
				case ' ', '\t', '\n', '\r', '\f':
					// Keeps afterEq: "a = 'x'".
				case '"', '\'':
					if w.afterEq {
						w.quote = c
					}
					w.afterEq = false
				default:
					w.afterEq = false
				}
			}
			if i == len(data) {
				break
			}
			out = append(out, data[start:i+1]...)
			out = w.st.r.AppendMobileHeader(out)
			start, i = i+1, i+1
			w.scan = scanDone
			break
		}
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			break
		}
		pos := i + j
		rest := data[pos:]
		if !final && undecided(rest, w.headHit) {
			keep = len(rest)
			break
		}
		switch {
		case !w.headHit && tagAt(rest, markHead):
			out = append(out, data[start:pos]...)
			out = append(out, w.snippet...)
			start, i = pos, pos+len(markHead)
			w.headHit = true
			if !w.wantHeader {
				w.scan = scanDone
			}
		case tagAt(rest, markBody):
			// A page without </head> gets no snippet.
			w.headHit = true
			i = pos + len(markBody)
			if w.wantHeader {
				w.scan = scanBodyTag
			} else {
				w.scan = scanDone
			}
		default:
			i = pos + 1
		}
	}
	out = append(out, data[start:len(data)-keep]...)
	if keep > 0 {
		// Move the fragment to the front of pend (it may alias pend).
		tail := data[len(data)-keep:]
		w.pend = append(w.pend[:0], tail...)
	} else {
		w.pend = w.pend[:0]
	}
	return out, nil
}

// tagAt reports whether b starts with the tag name mark (ASCII case
// folding) followed by '>', '/' or white space.
func tagAt(b, mark []byte) bool {
	if len(b) <= len(mark) || !prefixFold(b, mark) {
		return false
	}
	switch b[len(mark)] {
	case '>', '/', ' ', '\t', '\n', '\r', '\f':
		return true
	}
	return false
}

// undecided reports whether b, the end of a chunk, may be the start of a
// tag we look for, so that more bytes are needed.
func undecided(b []byte, headHit bool) bool {
	if !headHit && len(b) <= len(markHead) && prefixFold(b, markHead) {
		return true
	}
	return len(b) <= len(markBody) && prefixFold(b, markBody)
}

// prefixFold reports whether b starts with the lower-case ASCII prefix
// (or, when b is shorter, whether b is a prefix of prefix), folding the
// case of b.
func prefixFold(b, prefix []byte) bool {
	n := len(prefix)
	if len(b) < n {
		n = len(b)
	}
	for k := 0; k < n; k++ {
		c := b[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}

// Flush implements http.Flusher. Buffered responses give up injection and
// go out unchanged; streamed ones keep a held-back tag fragment.
func (w *injectWriter) Flush() {
	if w.mode == modeBuffer {
		w.mode = modePass
		w.w.WriteHeader(w.status)
		_, _ = w.w.Write(w.buf)
		w.buf = w.buf[:0]
	}
	if err := http.NewResponseController(w.w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		w.st.m.logError("mobile redirect: flush", err)
	}
}

// Hijack implements http.Hijacker.
func (w *injectWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.w).Hijack()
}

// Unwrap returns the wrapped writer (http.ResponseController).
func (w *injectWriter) Unwrap() http.ResponseWriter { return w.w }

// findInjectWriter finds the middleware's writer in a chain of wrappers.
func findInjectWriter(rw http.ResponseWriter) *injectWriter {
	for i := 0; rw != nil && i < 16; i++ {
		if w, ok := rw.(*injectWriter); ok {
			return w
		}
		u, ok := rw.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		rw = u.Unwrap()
	}
	return nil
}
