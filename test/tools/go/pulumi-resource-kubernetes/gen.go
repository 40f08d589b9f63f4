//go:build ignore

// Writes schema-embed.json (the module's schema.json with "version" set to PLUGIN_VERSION from tool.env) and
// terraform-mapping-embed.json (the module's terraform-mapping.json, compacted), as upstream's generate.go does.
package main

import (
	"bytes"
	"encoding/json"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

func main() {
	env, err := os.ReadFile("tool.env")
	if err != nil {
		log.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^PLUGIN_VERSION=(\S+)$`).FindSubmatch(env)
	if m == nil {
		log.Fatal("tool.env sets no PLUGIN_VERSION")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi-kubernetes/provider/v4").Output()
	if err != nil {
		log.Fatalf("locating the provider module: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "cmd", "pulumi-resource-kubernetes")

	var schema map[string]any
	read(filepath.Join(dir, "schema.json"), &schema)
	schema["version"] = string(m[1])
	write("schema-embed.json", schema)

	var mapping any
	read(filepath.Join(dir, "terraform-mapping.json"), &mapping)
	write("terraform-mapping-embed.json", mapping)
}

func read(path string, v any) {
	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
}

func write(path string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		log.Fatal(err)
	}
}
