// goyaml reads YAML the way Go's consumers of svcspec's outputs do and prints what it read as
// JSON: `goyaml v2` decodes with gopkg.in/yaml.v2 (Alertmanager, Prometheus's config, and,
// through sigs.k8s.io/yaml, kubectl), `goyaml v3` with gopkg.in/yaml.v3 (Prometheus rule files).
// Every document of stdin becomes one element of the printed JSON array; a document Go cannot
// read exits 1 with the decoder's message on stderr.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	yamlv2 "gopkg.in/yaml.v2"
	yamlv3 "gopkg.in/yaml.v3"
)

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "v2" && os.Args[1] != "v3") {
		fmt.Fprintln(os.Stderr, "usage: goyaml v2|v3 < file.yaml")
		os.Exit(2)
	}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	docs := []interface{}{}
	if os.Args[1] == "v2" {
		dec := yamlv2.NewDecoder(bytes.NewReader(input))
		for {
			var v interface{}
			if err := dec.Decode(&v); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				fail(err)
			}
			docs = append(docs, plain(v))
		}
	} else {
		dec := yamlv3.NewDecoder(bytes.NewReader(input))
		for {
			var v interface{}
			if err := dec.Decode(&v); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				fail(err)
			}
			docs = append(docs, plain(v))
		}
	}
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	if err := out.Encode(docs); err != nil {
		fail(err)
	}
}

// plain turns yaml.v2's map[interface{}]interface{} into JSON-encodable maps (keys as Go prints
// them).
func plain(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = plain(x)
		}
		return m
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[k] = plain(x)
		}
		return m
	case []interface{}:
		for i, x := range t {
			t[i] = plain(x)
		}
		return t
	default:
		return v
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "goyaml:", err)
	os.Exit(1)
}
