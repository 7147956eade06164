// Package appconfig reads the application's settings from one SSM parameter
// (JSON {"maxAttachmentBytes": N, "allowedContentTypes": [...]}) once per
// cold start, lazily on first need, falling back to defaults for what it
// does not set. A failed read is retried on the next request.
package appconfig

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

// Source implements items.LimitsSource.
type Source struct {
	// Reader reads the parameter; nil (or an empty Name) means defaults only.
	Reader awsx.ParameterReader
	Name   string

	mu     sync.Mutex
	loaded bool
	limits items.Limits
}

var _ items.LimitsSource = (*Source)(nil)

// Limits implements items.LimitsSource.
func (s *Source) Limits(ctx context.Context) (items.Limits, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		return s.limits, nil
	}
	l := items.DefaultLimits()
	if s.Reader != nil && s.Name != "" {
		vals, err := s.Reader.Parameters(ctx, s.Name)
		if err != nil {
			return items.Limits{}, fmt.Errorf("read parameter %s: %w", s.Name, err)
		}
		if v, ok := vals[s.Name]; ok {
			if l, err = Parse(v); err != nil {
				return items.Limits{}, fmt.Errorf("parameter %s: %w", s.Name, err)
			}
		}
	}
	s.limits, s.loaded = l, true
	return l, nil
}

// Parse reads the parameter's JSON over the defaults.
func Parse(v string) (items.Limits, error) {
	var raw struct {
		MaxAttachmentBytes  *int64    `json:"maxAttachmentBytes"`
		AllowedContentTypes *[]string `json:"allowedContentTypes"`
	}
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return items.Limits{}, fmt.Errorf("not JSON {maxAttachmentBytes, allowedContentTypes}: %w", err)
	}
	l := items.DefaultLimits()
	if raw.MaxAttachmentBytes != nil {
		if *raw.MaxAttachmentBytes < 1 {
			return items.Limits{}, fmt.Errorf("maxAttachmentBytes %d < 1", *raw.MaxAttachmentBytes)
		}
		l.MaxAttachmentBytes = *raw.MaxAttachmentBytes
	}
	if raw.AllowedContentTypes != nil {
		l.AllowedContentTypes = *raw.AllowedContentTypes
	}
	return l, nil
}
