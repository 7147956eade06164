package cognito

import (
	"strings"
	"sync"
	"time"
)

// Cognito's lockout after failed sign-ins (its "Lockout behavior for failed sign-in attempts"): five
// failures are free; after n failures a user name is locked out for 2^(n-5) seconds, at most about
// 15 minutes. Attempts during a lockout answer "Password attempts exceeded" and do not count. A
// success after the lockout, or 15 minutes without an attempt, starts again from zero.
const (
	freeFailures = 5
	maxLockout   = 15 * time.Minute
	lockoutReset = 15 * time.Minute
	// maxTracked bounds the names followed at once (an attacker can invent any number).
	maxTracked = 10_000
)

// Defaults of Options.PasswordChecksPerSecond and PasswordCheckBurst.
const (
	DefaultPasswordChecksPerSecond = 2
	DefaultPasswordCheckBurst      = 10
)

// throttle is the Issuer's sign-in protection: Cognito's per-user lockout, and a pool-wide rate
// limit on password checks (Cognito's UserAuthentication quota; here lower, because each check is
// 600,000 rounds of PBKDF2, about a fifth of a second of one core, on the developer's machine).
type throttle struct {
	now   func() time.Time
	rate  float64 // tokens per second
	burst float64

	mu       sync.Mutex
	tokens   float64
	refilled time.Time
	names    map[string]*attempts   // by lower-cased user name, existing or not
	resets   map[string][]time.Time // password-reset attempts in the last hour, by user name
}

type attempts struct {
	failures    int
	lockedUntil time.Time
	last        time.Time
}

func newThrottle(now func() time.Time, rate float64, burst int) *throttle {
	return &throttle{now: now, rate: rate, burst: float64(burst), tokens: float64(burst), refilled: now(), names: map[string]*attempts{},
		resets: map[string][]time.Time{}}
}

// allowPasswordCheck takes a token of the pool's password-check bucket, or answers Cognito's
// TooManyRequestsException.
func (t *throttle) allowPasswordCheck() *apiError {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if elapsed := now.Sub(t.refilled).Seconds(); elapsed > 0 {
		t.tokens = min(t.burst, t.tokens+elapsed*t.rate)
	}
	t.refilled = now
	if t.tokens < 1 {
		return badRequest("TooManyRequestsException", "Rate exceeded")
	}
	t.tokens--
	return nil
}

// lockedOut answers "Password attempts exceeded" while name is locked out (the attempt is not
// counted, and no password is checked).
func (t *throttle) lockedOut(name string) *apiError {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.names[strings.ToLower(name)]
	if a == nil {
		return nil
	}
	now := t.now()
	if now.Sub(a.last) >= lockoutReset {
		delete(t.names, strings.ToLower(name))
		return nil
	}
	if now.Before(a.lockedUntil) {
		return notAuthorized("Password attempts exceeded")
	}
	return nil
}

// record counts a checked attempt: a success clears the name, a failure may lock it out.
func (t *throttle) record(name string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := strings.ToLower(name)
	if ok {
		delete(t.names, key)
		return
	}
	now := t.now()
	a := t.names[key]
	if a == nil || now.Sub(a.last) >= lockoutReset {
		if len(t.names) >= maxTracked {
			t.forgetOldest(now)
		}
		a = &attempts{}
		t.names[key] = a
	}
	a.failures++
	a.last = now
	if a.failures >= freeFailures {
		lock := maxLockout
		if n := a.failures - freeFailures; n < 20 {
			lock = min(maxLockout, time.Second<<n)
		}
		a.lockedUntil = now.Add(lock)
	}
}

// forgetOldest makes room: names idle past the reset first, else the one idle longest.
func (t *throttle) forgetOldest(now time.Time) {
	var oldest string
	for k, a := range t.names {
		if now.Sub(a.last) >= lockoutReset {
			delete(t.names, k)
		} else if oldest == "" || a.last.Before(t.names[oldest].last) {
			oldest = k
		}
	}
	if len(t.names) >= maxTracked {
		delete(t.names, oldest)
	}
}

// Cognito's limit on password resets (the developer guide's "Forgot password behavior"): "In a
// given hour, we allow between 5 and 20 attempts for a user to request or enter a password reset
// code as part of forgot-password and confirm-forgot-password actions", the exact number
// depending on risk. The stand-in allows the lower bound, so a test meets the limit where
// Cognito may: resetAttemptsPerHour per user name (existing or not) in any sliding hour.
const resetAttemptsPerHour = 5

// allowReset counts an attempt to request or enter a reset code for name, or answers Cognito's
// LimitExceededException.
func (t *throttle) allowReset(name string) *apiError {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	key := strings.ToLower(name)
	var recent []time.Time
	for _, at := range t.resets[key] {
		if now.Sub(at) < time.Hour {
			recent = append(recent, at)
		}
	}
	if len(recent) >= resetAttemptsPerHour {
		t.resets[key] = recent
		return badRequest("LimitExceededException", "Attempt limit exceeded, please try after some time.")
	}
	if _, ok := t.resets[key]; !ok && len(t.resets) >= maxTracked {
		for k, times := range t.resets { // make room: names with no attempt in the last hour
			if len(times) == 0 || now.Sub(times[len(times)-1]) >= time.Hour {
				delete(t.resets, k)
			}
		}
		if len(t.resets) >= maxTracked {
			return badRequest("LimitExceededException", "Attempt limit exceeded, please try after some time.")
		}
	}
	t.resets[key] = append(recent, now)
	return nil
}
