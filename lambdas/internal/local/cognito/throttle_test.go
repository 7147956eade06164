package cognito

import (
	"strings"
	"testing"
	"time"
)

const (
	incorrect = "Incorrect username or password."
	exceeded  = "Password attempts exceeded"
)

// Cognito's lockout: five free failures, then 2^(n-5) seconds per failure n, attempts during a
// lockout refused without counting, a success after it (or 15 quiet minutes) starting afresh.
func TestLockoutAfterFailedSignIns(t *testing.T) {
	e := newEnv(t, Options{})
	e.newUser("mia@example.com")
	wrong := func() answer { return e.signIn("mia@example.com", "Wrong-Password-1") }
	right := func() answer { return e.signIn("mia@example.com", goodPassword) }

	for range 4 {
		wrong().wantError(t, "NotAuthorizedException", incorrect)
	}
	right().ok(t) // four failures lock nothing, and a success clears them
	for range 5 {
		wrong().wantError(t, "NotAuthorizedException", incorrect)
	}
	// Locked for 1 s: even the right password is refused, and the refusals do not count.
	for range 3 {
		right().wantError(t, "NotAuthorizedException", exceeded)
	}
	e.clock.Advance(time.Second)
	wrong().wantError(t, "NotAuthorizedException", incorrect) // the sixth: 2 s
	e.clock.Advance(1999 * time.Millisecond)
	right().wantError(t, "NotAuthorizedException", exceeded)
	e.clock.Advance(time.Millisecond)
	right().ok(t)
	wrong().wantError(t, "NotAuthorizedException", incorrect) // counting from zero again

	// The lockout doubles up to about 15 minutes.
	for range 4 {
		wrong().wantError(t, "NotAuthorizedException", incorrect)
	}
	for n := 6; n <= 15; n++ { // failure n waits out the lockout of failure n-1: 2^(n-6) s
		e.clock.Advance(time.Second << (n - 6))
		wrong().wantError(t, "NotAuthorizedException", incorrect)
	}
	// The fifteenth failure would lock for 2^10 s: capped at 15 minutes.
	e.clock.Advance(15*time.Minute - time.Second)
	right().wantError(t, "NotAuthorizedException", exceeded)
	e.clock.Advance(time.Second)
	right().ok(t)

	// 15 minutes without an attempt reset the count too.
	for range 5 {
		wrong().wantError(t, "NotAuthorizedException", incorrect)
	}
	e.clock.Advance(15 * time.Minute)
	for range 4 {
		wrong().wantError(t, "NotAuthorizedException", incorrect)
	}
	right().ok(t)
}

// An unknown user name is locked out exactly like a real one: the lockout tells nothing about who
// has an account.
func TestLockoutOfUnknownNames(t *testing.T) {
	e := newEnv(t, Options{})
	for range 5 {
		e.signIn("nobody@example.com", goodPassword).wantError(t, "NotAuthorizedException", incorrect)
	}
	e.signIn("nobody@example.com", goodPassword).wantError(t, "NotAuthorizedException", exceeded)
	e.signIn("NOBODY@example.com", goodPassword).wantError(t, "NotAuthorizedException", exceeded)
}

// Password checks (sign-ins and sign-ups) share a token bucket: over it, Cognito's
// TooManyRequestsException; it refills with time.
func TestPasswordChecksAreRateLimited(t *testing.T) {
	e := newEnv(t, Options{PasswordChecksPerSecond: 2, PasswordCheckBurst: 3})
	e.signUp("nina@example.com", goodPassword).ok(t)
	e.signIn("someone@example.com", goodPassword).wantError(t, "NotAuthorizedException", incorrect)
	e.signIn("someone@example.com", goodPassword).wantError(t, "NotAuthorizedException", incorrect)
	e.signIn("someone@example.com", goodPassword).wantError(t, "TooManyRequestsException", "Rate exceeded")
	e.signUp("olga@example.com", goodPassword).wantError(t, "TooManyRequestsException", "Rate exceeded")
	e.clock.Advance(500 * time.Millisecond) // one token back
	e.signUp("olga@example.com", goodPassword).ok(t)
	e.signUp("paul@example.com", goodPassword).wantError(t, "TooManyRequestsException", "Rate exceeded")
	e.clock.Advance(time.Hour) // full again, never beyond the burst
	for range 3 {
		e.signIn("someone@example.com", "Wrong-Password-1").wantError(t, "NotAuthorizedException", incorrect)
	}
	e.signIn("someone@example.com", goodPassword).wantError(t, "TooManyRequestsException", "Rate exceeded")
}

func TestThrottleOptions(t *testing.T) {
	_, err := NewIssuer(Options{BaseURL: "http://127.0.0.1/", PasswordChecksPerSecond: -1, PasswordCheckBurst: -2, SigningKey: testKey, Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "PasswordChecksPerSecond -1 is negative; PasswordCheckBurst -2 is negative") {
		t.Fatalf("err = %v", err)
	}
}
