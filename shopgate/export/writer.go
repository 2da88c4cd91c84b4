package export

import (
	"errors"
	"fmt"
	"io"
)

// SchemaBase is the location of Shopgate's XML schemas, a constant of the
// SDK configuration (http, not https).
const SchemaBase = "http://files.shopgate.com/xml/xsd"

// DefaultFlushSize is the number of buffered bytes after which a writer
// passes its output on to the underlying io.Writer. Each block becomes
// one HTTP chunk of a streamed export (three write system calls, and a
// wake-up of the reader): 256 KiB blocks made a 1.7 GB export about 3%
// faster than 64 KiB ones (docs/catalog.md#larger-http-chunks).
const DefaultFlushSize = 256 << 10

// ErrClosed is returned by a writer used after Close.
var ErrClosed = errors.New("export: writer closed")

// doc is the part shared by the three document writers: the root element,
// output buffering and error latching.
type doc struct {
	w         io.Writer
	root      string
	xsd       string
	e         enc
	started   bool
	closed    bool
	err       error
	flushSize int
	records   int
}

func newDoc(w io.Writer, root, xsd string) doc {
	return doc{w: w, root: root, xsd: xsd, flushSize: DefaultFlushSize, e: enc{b: make([]byte, 0, DefaultFlushSize+8<<10)}}
}

func (d *doc) begin() error {
	if d.err != nil {
		return d.err
	}
	if d.closed {
		return ErrClosed
	}
	if !d.started {
		d.started = true
		d.e.b = append(d.e.b, '<')
		d.e.b = append(d.e.b, d.root...)
		d.e.b = append(d.e.b, ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="`...)
		d.e.b = append(d.e.b, SchemaBase...)
		d.e.b = append(d.e.b, '/')
		d.e.b = append(d.e.b, d.xsd...)
		d.e.b = append(d.e.b, '"', '>')
	}
	return nil
}

// end counts a finished record and passes the buffer on when it is full.
func (d *doc) end() error {
	d.records++
	if len(d.e.b) >= d.flushSize {
		return d.flush()
	}
	return nil
}

func (d *doc) flush() error {
	if d.err != nil {
		return d.err
	}
	if len(d.e.b) == 0 {
		return nil
	}
	_, err := d.w.Write(d.e.b)
	d.e.b = d.e.b[:0]
	if err != nil {
		d.err = fmt.Errorf("export: write %s: %w", d.root, err)
	}
	return d.err
}

// Flush passes all buffered output to the underlying writer. It does not
// flush that writer itself.
func (d *doc) Flush() error { return d.flush() }

// Records returns the number of records written so far.
func (d *doc) Records() int { return d.records }

// Close writes the root end tag (and the start tag when no record was
// written) and flushes. It does not close the underlying writer.
func (d *doc) Close() error {
	if err := d.begin(); err != nil {
		return err
	}
	d.closed = true
	d.e.b = append(d.e.b, '<', '/')
	d.e.b = append(d.e.b, d.root...)
	d.e.b = append(d.e.b, '>')
	return d.flush()
}

// ItemWriter streams an items document (get_items). Call Write once per
// parent item (its variants in Children), then Close. Output is buffered;
// nothing reaches the underlying writer before DefaultFlushSize bytes have
// accumulated or Flush or Close is called. After a write error every call
// returns that error.
type ItemWriter struct{ doc }

// NewItemWriter returns an ItemWriter writing to w.
func NewItemWriter(w io.Writer) *ItemWriter {
	return &ItemWriter{newDoc(w, "items", "catalog/products.xsd")}
}

// Write appends one item with its children.
func (w *ItemWriter) Write(it *Item) error {
	if err := w.begin(); err != nil {
		return err
	}
	writeItem(&w.e, it, false, 0)
	return w.end()
}

// CategoryWriter streams a categories document (get_categories).
type CategoryWriter struct{ doc }

// NewCategoryWriter returns a CategoryWriter writing to w.
func NewCategoryWriter(w io.Writer) *CategoryWriter {
	return &CategoryWriter{newDoc(w, "categories", "catalog/categories.xsd")}
}

// Write appends one category.
func (w *CategoryWriter) Write(c *Category) error {
	if err := w.begin(); err != nil {
		return err
	}
	e := &w.e
	s := e.open("category")
	e.attrOpt("uid", c.UID)
	e.attrInt("sort_order", c.SortOrder.V, c.SortOrder.Valid)
	e.attrOpt("parent_uid", c.ParentUID)
	e.attrBool("is_active", c.IsActive)
	e.attrBool("is_anchor", c.IsAnchor)
	e.body(&s)
	e.cdata("name", c.Name)
	e.cdata("deeplink", c.Deeplink)
	if c.Image != nil {
		writeImage(e, c.Image, false)
	}
	e.close(s, "category")
	return w.end()
}

// ReviewWriter streams a reviews document (get_reviews).
type ReviewWriter struct{ doc }

// NewReviewWriter returns a ReviewWriter writing to w.
func NewReviewWriter(w io.Writer) *ReviewWriter {
	return &ReviewWriter{newDoc(w, "reviews", "catalog/reviews.xsd")}
}

// Write appends one review.
func (w *ReviewWriter) Write(r *Review) error {
	if err := w.begin(); err != nil {
		return err
	}
	e := &w.e
	s := e.open("review")
	e.attrOpt("uid", r.UID)
	e.body(&s)
	e.text("item_uid", r.ItemUID)
	e.intElem("score", r.Score, true)
	e.cdata("reviewer_name", r.ReviewerName)
	if r.Date.IsZero() {
		e.empty("date")
	} else {
		var tmp [16]byte
		e.raw("date", r.Date.AppendFormat(tmp[:0], "2006-01-02"))
	}
	e.cdata("title", r.Title)
	e.cdata("text", r.Text)
	e.close(s, "review")
	return w.end()
}
