package sqlstore

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/rempart/rempart/internal/authserver"
)

// familyArgs validates f and returns its column values in familyColumns
// order.
func familyArgs(f authserver.TokenFamily) ([]any, error) {
	if f.ID == "" || f.ClientID == "" || f.Subject == "" {
		return nil, errEmptyField
	}
	if err := checkText(f.ID, f.ClientID, f.Subject, f.CodeID); err != nil {
		return nil, err
	}
	amr, err := encodeList(f.AMR)
	if err != nil {
		return nil, fmt.Errorf("amr: %w", err)
	}
	times, err := encodeTimes(f.CreatedAt, f.ExpiresAt)
	if err != nil {
		return nil, err
	}
	opt, err := encodeOptTimes(f.AuthTime, f.RevokedAt)
	if err != nil {
		return nil, err
	}
	code := sql.NullString{String: f.CodeID, Valid: f.CodeID != ""}
	return []any{f.ID, f.ClientID, f.Subject, code, opt[0], amr, times[0], times[1], opt[1]}, nil
}

// refreshArgs validates t and returns its column values in refreshColumns
// order.
func refreshArgs(t authserver.RefreshToken) ([]any, error) {
	if len(t.Hash) == 0 {
		return nil, errEmptyHash
	}
	if t.FamilyID == "" || t.ClientID == "" || t.Subject == "" {
		return nil, errEmptyField
	}
	if err := checkText(t.FamilyID, t.ClientID, t.Subject); err != nil {
		return nil, err
	}
	scope, aud, err := encodeScopeAudience(t.Scope, t.Audience)
	if err != nil {
		return nil, err
	}
	times, err := encodeTimes(t.IssuedAt, t.ExpiresAt)
	if err != nil {
		return nil, err
	}
	opt, err := encodeOptTimes(t.UsedAt, t.RevokedAt)
	if err != nil {
		return nil, err
	}
	return []any{t.Hash, t.FamilyID, t.ClientID, t.Subject, scope, aud, times[0], times[1], opt[0], opt[1]}, nil
}

// accessArgs validates t and returns its column values in accessColumns
// order.
func accessArgs(t authserver.AccessToken) ([]any, error) {
	if t.JTI == "" || t.ClientID == "" || t.Subject == "" {
		return nil, errEmptyField
	}
	if err := checkText(t.JTI, t.FamilyID, t.ClientID, t.Subject); err != nil {
		return nil, err
	}
	scope, aud, err := encodeScopeAudience(t.Scope, t.Audience)
	if err != nil {
		return nil, err
	}
	times, err := encodeTimes(t.IssuedAt, t.ExpiresAt)
	if err != nil {
		return nil, err
	}
	opt, err := encodeOptTimes(t.RevokedAt)
	if err != nil {
		return nil, err
	}
	fam := sql.NullString{String: t.FamilyID, Valid: t.FamilyID != ""}
	return []any{t.JTI, optBytes(t.Hash), fam, t.ClientID, t.Subject, scope, aud, times[0], times[1], opt[0]}, nil
}

func encodeScopeAudience(scope, aud []string) (string, string, error) {
	sc, err := encodeList(scope)
	if err != nil {
		return "", "", fmt.Errorf("scope: %w", err)
	}
	au, err := encodeList(aud)
	if err != nil {
		return "", "", fmt.Errorf("audience: %w", err)
	}
	return sc, au, nil
}

// encodeTimes encodes required times.
func encodeTimes(ts ...time.Time) ([]int64, error) {
	out := make([]int64, len(ts))
	for i, t := range ts {
		n, err := nanos(t)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// encodeOptTimes encodes optional times (zero → NULL).
func encodeOptTimes(ts ...time.Time) ([]sql.NullInt64, error) {
	out := make([]sql.NullInt64, len(ts))
	for i, t := range ts {
		n, err := optNanos(t)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// scanRefresh reads one row selected with refreshColumns.
func scanRefresh(r scanner) (authserver.RefreshToken, error) {
	var (
		t               authserver.RefreshToken
		scope, aud      string
		issued, expires int64
		used, revoked   sql.NullInt64
	)
	if err := r.Scan(&t.Hash, &t.FamilyID, &t.ClientID, &t.Subject, &scope, &aud,
		&issued, &expires, &used, &revoked); err != nil {
		return authserver.RefreshToken{}, err
	}
	var err error
	if t.Scope, err = decodeList(scope); err != nil {
		return authserver.RefreshToken{}, err
	}
	if t.Audience, err = decodeList(aud); err != nil {
		return authserver.RefreshToken{}, err
	}
	t.IssuedAt, t.ExpiresAt = fromInt(issued), fromInt(expires)
	t.UsedAt, t.RevokedAt = fromNanos(used), fromNanos(revoked)
	return t, nil
}

// scanAccess reads one row selected with accessColumns.
func scanAccess(r scanner) (authserver.AccessToken, error) {
	var (
		t               authserver.AccessToken
		family          sql.NullString
		scope, aud      string
		issued, expires int64
		revoked         sql.NullInt64
	)
	if err := r.Scan(&t.JTI, &t.Hash, &family, &t.ClientID, &t.Subject, &scope, &aud,
		&issued, &expires, &revoked); err != nil {
		return authserver.AccessToken{}, err
	}
	var err error
	if t.Scope, err = decodeList(scope); err != nil {
		return authserver.AccessToken{}, err
	}
	if t.Audience, err = decodeList(aud); err != nil {
		return authserver.AccessToken{}, err
	}
	t.Hash = readBytes(t.Hash)
	t.FamilyID = family.String
	t.IssuedAt, t.ExpiresAt = fromInt(issued), fromInt(expires)
	t.RevokedAt = fromNanos(revoked)
	return t, nil
}

func fromInt(n int64) time.Time { return fromNanos(sql.NullInt64{Int64: n, Valid: true}) }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
