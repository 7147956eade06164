package cognito

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// store keeps the Issuer's state across restarts. The Issuer holds the whole state in memory (it is
// small, and one Issuer owns it) and writes each change through, row by row, before it makes the
// change visible; a change the store refuses is an InternalErrorException, never a half-made one.
type store interface {
	// load returns the kept state: an empty one (no signing key) the first time.
	load(ctx context.Context) (*state, error)
	saveKey(ctx context.Context, pemKey string) error
	// saveUser writes u and, if m is not nil, appends m to the mailbox, in one transaction.
	saveUser(ctx context.Context, u *user, m *Message) error
	saveToken(ctx context.Context, hash string, rt *refreshToken) error
	// revokeTokens marks every refresh token of the user sub revoked (GlobalSignOut).
	revokeTokens(ctx context.Context, sub string) error
}

// memoryStore keeps nothing: the state lives as long as the Issuer.
type memoryStore struct{}

func (memoryStore) load(context.Context) (*state, error)                   { return newState(), nil }
func (memoryStore) saveKey(context.Context, string) error                  { return nil }
func (memoryStore) saveUser(context.Context, *user, *Message) error        { return nil }
func (memoryStore) saveToken(context.Context, string, *refreshToken) error { return nil }
func (memoryStore) revokeTokens(context.Context, string) error             { return nil }

// pgStore keeps the state in PostgreSQL, in tables of the schema `local` (the local stack's, apart
// from the application's tables). Refresh tokens are kept as their SHA-256 only.
type pgStore struct{ db *pgxpool.Pool }

const pgSchema = `
CREATE SCHEMA IF NOT EXISTS local;
CREATE TABLE IF NOT EXISTS local.cognito_keys (
    id          integer PRIMARY KEY CHECK (id = 1),
    signing_key text NOT NULL
);
CREATE TABLE IF NOT EXISTS local.cognito_users (
    username      text PRIMARY KEY,
    sub           text NOT NULL UNIQUE,
    email         text NOT NULL,
    password_hash text NOT NULL,
    confirmed     boolean NOT NULL,
    code          text NOT NULL DEFAULT '',
    code_sent_at  timestamptz NULL,
    created_at    timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS local.cognito_refresh_tokens (
    token_hash text PRIMARY KEY,
    sub        text NOT NULL,
    client_id  text NOT NULL,
    origin_jti text NOT NULL,
    auth_time  bigint NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked    boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS local.cognito_messages (
    id        bigserial PRIMARY KEY,
    recipient text NOT NULL,
    subject   text NOT NULL,
    body      text NOT NULL,
    code      text NOT NULL,
    sent_at   timestamptz NOT NULL
);
-- Added for MFA and forgotten passwords: a data folder from before keeps working.
ALTER TABLE local.cognito_users ADD COLUMN IF NOT EXISTS totp_secret    text    NOT NULL DEFAULT '';
ALTER TABLE local.cognito_users ADD COLUMN IF NOT EXISTS totp_pending   text    NOT NULL DEFAULT '';
ALTER TABLE local.cognito_users ADD COLUMN IF NOT EXISTS totp_enabled   boolean NOT NULL DEFAULT false;
ALTER TABLE local.cognito_users ADD COLUMN IF NOT EXISTS totp_preferred boolean NOT NULL DEFAULT false;
ALTER TABLE local.cognito_users ADD COLUMN IF NOT EXISTS totp_device    text    NOT NULL DEFAULT '';
ALTER TABLE local.cognito_users ADD COLUMN IF NOT EXISTS totp_last_step bigint  NOT NULL DEFAULT 0;
ALTER TABLE local.cognito_users ADD COLUMN IF NOT EXISTS reset_code     text    NOT NULL DEFAULT '';
ALTER TABLE local.cognito_users ADD COLUMN IF NOT EXISTS reset_sent_at  timestamptz NULL;
ALTER TABLE local.cognito_users ADD COLUMN IF NOT EXISTS reset_used     boolean NOT NULL DEFAULT false;
`

// newPGStore creates the tables that do not exist yet (under an advisory lock: two starts on one
// database must not race on the catalog).
func newPGStore(ctx context.Context, db *pgxpool.Pool) (*pgStore, error) {
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('stratus local schema'))`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, pgSchema)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cognito: creating the tables: %w", err)
	}
	return &pgStore{db: db}, nil
}

// load drops expired refresh tokens and the mailbox beyond maxMessages, then reads the rest.
func (s *pgStore) load(ctx context.Context) (*state, error) {
	st := newState()
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM local.cognito_refresh_tokens WHERE expires_at < now()`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM local.cognito_messages WHERE id <= (
			SELECT id FROM local.cognito_messages ORDER BY id DESC OFFSET $1 LIMIT 1)`, maxMessages); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT signing_key FROM local.cognito_keys WHERE id = 1`).Scan(&st.SigningKey)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return s.loadRows(ctx, tx, st)
	})
	if err != nil {
		return nil, fmt.Errorf("cognito: reading the state: %w", err)
	}
	return st, nil
}

func (s *pgStore) loadRows(ctx context.Context, tx pgx.Tx, st *state) error {
	rows, _ := tx.Query(ctx, `SELECT username, sub, email, password_hash, confirmed, code, code_sent_at, created_at,
		totp_secret, totp_pending, totp_enabled, totp_preferred, totp_device, totp_last_step, reset_code, reset_sent_at, reset_used
		FROM local.cognito_users`)
	for rows.Next() {
		var (
			key             string
			u               user
			sentAt, resetAt *time.Time
		)
		if err := rows.Scan(&key, &u.Sub, &u.Email, &u.PasswordHash, &u.Confirmed, &u.Code, &sentAt, &u.CreatedAt,
			&u.TOTPSecret, &u.TOTPPending, &u.TOTPEnabled, &u.TOTPPreferred, &u.TOTPDevice, &u.TOTPLastStep,
			&u.ResetCode, &resetAt, &u.ResetUsed); err != nil {
			rows.Close()
			return err
		}
		if sentAt != nil {
			u.CodeSentAt = sentAt.UTC()
		}
		if resetAt != nil {
			u.ResetSentAt = resetAt.UTC()
		}
		u.CreatedAt = u.CreatedAt.UTC()
		st.Users[key] = &u
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, _ = tx.Query(ctx, `SELECT token_hash, sub, client_id, origin_jti, auth_time, expires_at, revoked FROM local.cognito_refresh_tokens`)
	for rows.Next() {
		var (
			hash string
			rt   refreshToken
		)
		if err := rows.Scan(&hash, &rt.Sub, &rt.ClientID, &rt.OriginJTI, &rt.AuthTime, &rt.ExpiresAt, &rt.Revoked); err != nil {
			rows.Close()
			return err
		}
		rt.ExpiresAt = rt.ExpiresAt.UTC()
		st.RefreshTokens[hash] = &rt
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, _ = tx.Query(ctx, `SELECT recipient, subject, body, code, sent_at FROM local.cognito_messages ORDER BY id`)
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (m Message, err error) {
		err = r.Scan(&m.To, &m.Subject, &m.Body, &m.Code, &m.SentAt)
		m.SentAt = m.SentAt.UTC()
		return m, err
	})
	st.Messages = msgs
	return err
}

func (s *pgStore) saveKey(ctx context.Context, pemKey string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO local.cognito_keys (id, signing_key) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET signing_key = excluded.signing_key`, pemKey)
	return err
}

func (s *pgStore) saveUser(ctx context.Context, u *user, m *Message) error {
	var sentAt, resetAt *time.Time
	if !u.CodeSentAt.IsZero() {
		sentAt = &u.CodeSentAt
	}
	if !u.ResetSentAt.IsZero() {
		resetAt = &u.ResetSentAt
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO local.cognito_users (username, sub, email, password_hash, confirmed, code, code_sent_at, created_at,
				totp_secret, totp_pending, totp_enabled, totp_preferred, totp_device, totp_last_step, reset_code, reset_sent_at, reset_used)
			VALUES (lower($2), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, confirmed = excluded.confirmed,
				code = excluded.code, code_sent_at = excluded.code_sent_at,
				totp_secret = excluded.totp_secret, totp_pending = excluded.totp_pending, totp_enabled = excluded.totp_enabled,
				totp_preferred = excluded.totp_preferred, totp_device = excluded.totp_device, totp_last_step = excluded.totp_last_step,
				reset_code = excluded.reset_code, reset_sent_at = excluded.reset_sent_at, reset_used = excluded.reset_used`,
			u.Sub, u.Email, u.PasswordHash, u.Confirmed, u.Code, sentAt, u.CreatedAt,
			u.TOTPSecret, u.TOTPPending, u.TOTPEnabled, u.TOTPPreferred, u.TOTPDevice, u.TOTPLastStep,
			u.ResetCode, resetAt, u.ResetUsed); err != nil {
			return err
		}
		if m == nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO local.cognito_messages (recipient, subject, body, code, sent_at) VALUES ($1, $2, $3, $4, $5)`,
			m.To, m.Subject, m.Body, m.Code, m.SentAt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM local.cognito_messages WHERE id <= (
			SELECT id FROM local.cognito_messages ORDER BY id DESC OFFSET $1 LIMIT 1)`, maxMessages)
		return err
	})
}

func (s *pgStore) saveToken(ctx context.Context, hash string, rt *refreshToken) error {
	_, err := s.db.Exec(ctx, `INSERT INTO local.cognito_refresh_tokens (token_hash, sub, client_id, origin_jti, auth_time, expires_at, revoked)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (token_hash) DO UPDATE SET revoked = excluded.revoked`,
		hash, rt.Sub, rt.ClientID, rt.OriginJTI, rt.AuthTime, rt.ExpiresAt, rt.Revoked)
	return err
}

func (s *pgStore) revokeTokens(ctx context.Context, sub string) error {
	_, err := s.db.Exec(ctx, `UPDATE local.cognito_refresh_tokens SET revoked = true WHERE sub = $1`, sub)
	return err
}
