package mapping

import (
	"errors"
	"fmt"
	"sort"
)

// Stage is what the local stack runs of one synthesized stage: each stand-in's settings, read
// from the templates.
type Stage struct {
	Assembly *Assembly
	// Cognito is the user pool and client (cognito.go).
	Cognito Cognito
	// API is the REST API's stage and its function (apigateway.go).
	API API
	// Queue is the worker's queue, its dead-letter queue and its function (sqs.go).
	Queue Queue
	// Outbox is the schedule that runs the outbox relay (events.go).
	Outbox Schedule
	// WAF is the web ACL in front of the API's stage (waf.go); zero without one.
	WAF WAF
	// Parameters are the SSM parameters by name (ssm.go).
	Parameters map[string]Parameter
	// Notifications are the bucket notifications that reach the worker's queue (s3.go).
	Notifications []Notification
	// Site are the files that the site's deployment generates, such as config.json (site.go).
	Site []SiteFile
	// NotEmulated lists, once each, the template properties that the local stack reads past:
	// "<type> <logical id>: <property>".
	NotEmulated []string
}

// Read reads the stage synthesized into dir (see [Load]). Its error names every resource and
// property that a stand-in needs and cannot read.
func Read(dir string) (*Stage, error) {
	a, err := Load(dir)
	if err != nil {
		return nil, err
	}
	s := &Stage{Assembly: a}
	var errs []error
	add := func(notes []string, err error) {
		s.NotEmulated = append(s.NotEmulated, notes...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	var notes []string
	s.Cognito, notes, err = readCognito(a)
	add(notes, err)
	s.API, notes, err = readAPI(a)
	add(notes, err)
	s.Queue, notes, err = readQueue(a)
	add(notes, err)
	s.Outbox, notes, err = readSchedule(a)
	add(notes, err)
	s.WAF, notes, err = readWAF(a, s.API)
	add(notes, err)
	s.Parameters, notes = readParameters(a)
	add(notes, nil)
	if s.Queue.Queue != nil {
		s.Notifications, notes, err = readNotifications(a, s.Queue.Queue)
		add(notes, err)
	}
	s.Site, notes, err = readSite(a)
	add(notes, err)
	for typ, why := range unemulatedTypes {
		for _, r := range a.OfType(typ) {
			s.NotEmulated = append(s.NotEmulated, r.String()+": "+why)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("the local stack cannot run the stage in %s:\n%w", dir, err)
	}
	sort.Strings(s.NotEmulated)
	return s, nil
}
