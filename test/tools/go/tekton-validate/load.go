package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// object is one rendered Kubernetes object and where it came from.
type object struct {
	File       string
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name         string `json:"name"`
		GenerateName string `json:"generateName"`
		Namespace    string `json:"namespace"`
	} `json:"metadata"`
	// Raw is the object as JSON.
	Raw []byte `json:"-"`
}

func (o *object) name() string {
	if o.Metadata.Name != "" {
		return o.Metadata.Name
	}
	if o.Metadata.GenerateName != "" {
		return o.Metadata.GenerateName + "*"
	}
	return "(unnamed)"
}

func (o *object) problem(field, format string, args ...any) problem {
	return problem{File: o.File, Kind: o.Kind, Name: o.name(), Field: field, Message: fmt.Sprintf(format, args...)}
}

// loadAll reads every object of every path; "-" is standard input.
func loadAll(paths []string, stdin io.Reader) ([]*object, error) {
	var all []*object
	for _, p := range paths {
		if p == "-" {
			objs, err := loadStream("<stdin>", stdin)
			if err != nil {
				return nil, err
			}
			all = append(all, objs...)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		files := []string{p}
		if info.IsDir() {
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, err
			}
			files = nil
			for _, e := range entries {
				ext := strings.ToLower(filepath.Ext(e.Name()))
				if !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
			sort.Strings(files)
		}
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				return nil, err
			}
			objs, err := loadStream(f, fh)
			fh.Close()
			if err != nil {
				return nil, err
			}
			all = append(all, objs...)
		}
	}
	return all, nil
}

// loadStream splits a YAML (or JSON) stream into documents; documents without apiVersion and kind (okd-ci's synth
// writes one listing remote sources) are not Kubernetes objects and are skipped.
func loadStream(name string, r io.Reader) ([]*object, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var out []*object
	for i := 0; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i+1, err)
		}
		raw, err := sigsyaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i+1, err)
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		o := &object{File: name, Raw: raw}
		if err := json.Unmarshal(raw, o); err != nil {
			// Not an object (a list or a scalar document): nothing Kubernetes would take.
			continue
		}
		if o.APIVersion == "" || o.Kind == "" {
			continue
		}
		out = append(out, o)
	}
}
