// Package jsonstrict decodes JSON the way a file a person writes, or a record another host
// wrote, should be read: one value and nothing after it, every key known and spelled exactly,
// no key twice. encoding/json alone takes keys in any case, the last of duplicate keys, and
// (through a Decoder) stops after the first value. What the toolkit writes for a person to
// read (results, state, records, notes) goes through Encode, the one way it writes JSON.
package jsonstrict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Encode writes v to w with a newline at the end, indented by two spaces or on one line, and
// without the HTML escaping encoding/json does by default: a subject with "<", a command with
// "&&" or a SAS URL reads as it was written, not as \u003c or \u0026.
func Encode(w io.Writer, v any, indent bool) error {
	enc := json.NewEncoder(w)
	if indent {
		enc.SetIndent("", "  ")
	}
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// MarshalIndent is Encode's indented bytes, for a file.
func MarshalIndent(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := Encode(&b, v, true); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Error is what is wrong with the input, and where.
type Error struct {
	// Line is the 1-based line of the problem.
	Line int
	// Key is the key at fault, with the keys of the objects it is in ("rules[2].kind"); empty
	// for a problem that is not about a key.
	Key string
	Msg string
}

func (e *Error) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("line %d: key %q: %s", e.Line, e.Key, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// Unmarshal decodes data, which must hold exactly one JSON value, into v (a pointer). Besides
// syntax and type errors it refuses, as an *Error: content after the value, a key that names no
// field of the struct it fills (a key that differs from a field's only in case included), and a
// key that appears twice in one object (in maps and untyped values as well).
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("jsonstrict: Unmarshal needs a non-nil pointer")
	}
	w := walker{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	if err := w.value(rv.Type().Elem(), ""); err != nil {
		return err
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return &Error{Line: w.line(w.next()), Msg: "content after the JSON value (a second value, or merge-conflict markers?)"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &Error{Line: w.line(te.Offset), Key: te.Field, Msg: fmt.Sprintf("a JSON %s cannot be a %s", te.Value, te.Type)}
		}
		return err
	}
	return nil
}

type walker struct {
	data []byte
	dec  *json.Decoder
}

// line is the line of the byte at offset.
func (w *walker) line(offset int64) int {
	if offset > int64(len(w.data)) {
		offset = int64(len(w.data))
	}
	return bytes.Count(w.data[:offset], []byte("\n")) + 1
}

// next is the offset of the next token: past the white space and the separator (a comma or
// colon) after the decoder's offset.
func (w *walker) next() int64 {
	off := w.dec.InputOffset()
	space := func() {
		for off < int64(len(w.data)) && strings.IndexByte(" \t\r\n", w.data[off]) >= 0 {
			off++
		}
	}
	space()
	if off < int64(len(w.data)) && (w.data[off] == ',' || w.data[off] == ':') {
		off++
		space()
	}
	return off
}

func (w *walker) token() (json.Token, int64, error) {
	at := w.next()
	tok, err := w.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, at, &Error{Line: w.line(se.Offset), Msg: se.Error()}
		}
		if err == io.EOF {
			return nil, at, &Error{Line: w.line(at), Msg: "unexpected end of input"}
		}
		return nil, at, &Error{Line: w.line(at), Msg: err.Error()}
	}
	return tok, at, nil
}

// value checks the next value against t (nil: any value) at path.
func (w *walker) value(t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, _, err := w.token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar: its type is json.Unmarshal's to check
	}
	var elem reflect.Type
	if t != nil {
		switch t.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map:
			elem = t.Elem()
		}
	}
	switch d {
	case '[':
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case '{':
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = structFields(t)
		}
		seen := map[string]bool{}
		for w.dec.More() {
			tok, at, err := w.token()
			if err != nil {
				return err
			}
			key := tok.(string)
			kpath := key
			if path != "" {
				kpath = path + "." + key
			}
			if seen[key] {
				return &Error{Line: w.line(at), Key: kpath, Msg: "appears twice in one object"}
			}
			seen[key] = true
			ft := elem
			if fields != nil {
				var known bool
				if ft, known = fields[key]; !known {
					msg := "unknown field"
					for name := range fields {
						if strings.EqualFold(name, key) {
							msg = fmt.Sprintf("unknown field (keys are case-sensitive: %q)", name)
						}
					}
					return &Error{Line: w.line(at), Key: kpath, Msg: msg}
				}
			}
			if err := w.value(ft, kpath); err != nil {
				return err
			}
		}
	}
	_, _, err = w.token() // the closing delimiter
	return err
}

// structFields are the JSON names of t's fields and their types, as encoding/json sees them
// (embedded structs' fields included).
func structFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range structFields(ft) {
					fields[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}
