// The kubernetes resource provider, as pulumi-kubernetes' provider/cmd/pulumi-resource-kubernetes builds it: that
// package embeds a copy of its schema stamped with the release version (schema-embed.json) and a compacted
// terraform mapping, which its Makefile generates and its module zip therefore lacks. `go generate` (gen.go) makes
// the same two files here from the module's schema.json and terraform-mapping.json; ensure-test-tools.sh runs it in
// a copy of this directory (GENERATE=true in tool.env), never in the repository.
//
// Upstream: github.com/pulumi/pulumi-kubernetes provider/cmd/pulumi-resource-kubernetes/{main,generate}.go at
// f47bc2d6f199.

//go:generate go run gen.go

package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
