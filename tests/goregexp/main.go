// Terraform's regex, regexall and replace on Go's regexp, for the differential test of the Terraform
// evaluator (tests/test_terraform_regexp_go.py): one JSON case a line in, one JSON answer a line out.
// The results are shaped as Terraform's functions shape them (go-cty's stdlib regexp.go and Terraform's
// replace): the whole match when the pattern has no groups, the list of groups, or the map of named groups,
// a group that did not take part being null.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"strings"
)

type request struct {
	Op      string `json:"op"`
	Pattern string `json:"pattern"`
	Text    string `json:"text"`
	Repl    string `json:"repl"`
}

type answer struct {
	Result interface{} `json:"result"`
	Error  string      `json:"error,omitempty"`
}

func shape(re *regexp.Regexp, s string, idx []int) (interface{}, string) {
	names := re.SubexpNames()[1:]
	named, unnamed := 0, 0
	for _, n := range names {
		if n == "" {
			unnamed++
		} else {
			named++
		}
	}
	if named > 0 && unnamed > 0 {
		return nil, "invalid regexp pattern: cannot mix both named and unnamed capture groups"
	}
	group := func(i int) interface{} {
		start, end := idx[i*2+2], idx[i*2+3]
		if start < 0 || end < 0 {
			return nil
		}
		return s[start:end]
	}
	switch {
	case len(names) == 0:
		return s[idx[0]:idx[1]], ""
	case named > 0:
		out := map[string]interface{}{}
		for i, n := range names {
			out[n] = group(i)
		}
		return out, ""
	default:
		out := []interface{}{}
		for i := range names {
			out = append(out, group(i))
		}
		return out, ""
	}
}

func run(r request) answer {
	if r.Op == "replace" && !(len(r.Pattern) > 1 && strings.HasPrefix(r.Pattern, "/") && strings.HasSuffix(r.Pattern, "/")) {
		return answer{Result: strings.Replace(r.Text, r.Pattern, r.Repl, -1)}
	}
	pattern := r.Pattern
	if r.Op == "replace" {
		pattern = pattern[1 : len(pattern)-1]
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return answer{Error: err.Error()}
	}
	switch r.Op {
	case "replace":
		return answer{Result: re.ReplaceAllString(r.Text, r.Repl)}
	case "regex":
		idx := re.FindStringSubmatchIndex(r.Text)
		if idx == nil {
			return answer{Error: "pattern did not match any part of the given string"}
		}
		v, e := shape(re, r.Text, idx)
		return answer{Result: v, Error: e}
	default: // regexall
		out := []interface{}{}
		for _, idx := range re.FindAllStringSubmatchIndex(r.Text, -1) {
			v, e := shape(re, r.Text, idx)
			if e != "" {
				return answer{Error: e}
			}
			out = append(out, v)
		}
		return answer{Result: out}
	}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		if err := out.Encode(run(r)); err != nil {
			panic(err)
		}
	}
}
