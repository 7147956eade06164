package stackproc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// clientID is the local Cognito's app client (devstack.ClientID).
const clientID = "stratus-local-client"

// SignUp makes a confirmed user through the local Cognito API and its mailbox, and signs in: it
// returns the ID token, the API's Authorization header.
func SignUp(ctx context.Context, u URLs, email, password string) (string, error) {
	if _, err := cognito(ctx, u, "SignUp", map[string]any{"ClientId": clientID, "Username": email, "Password": password,
		"UserAttributes": []map[string]string{{"Name": "email", "Value": email}}}); err != nil {
		return "", err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.Mailbox+"?to="+url.QueryEscape(email), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	var mail struct{ Messages []struct{ Code string } }
	err = json.NewDecoder(res.Body).Decode(&mail)
	res.Body.Close()
	if err != nil || len(mail.Messages) == 0 {
		return "", fmt.Errorf("no confirmation code for %s in the mailbox (%v)", email, err)
	}
	if _, err := cognito(ctx, u, "ConfirmSignUp", map[string]any{"ClientId": clientID, "Username": email, "ConfirmationCode": mail.Messages[0].Code}); err != nil {
		return "", err
	}
	return SignIn(ctx, u, email, password)
}

// SignIn signs an existing user in (USER_PASSWORD_AUTH) and returns the ID token.
func SignIn(ctx context.Context, u URLs, email, password string) (string, error) {
	out, err := cognito(ctx, u, "InitiateAuth", map[string]any{"ClientId": clientID, "AuthFlow": "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": email, "PASSWORD": password}})
	if err != nil {
		return "", err
	}
	result, _ := out["AuthenticationResult"].(map[string]any)
	token, _ := result["IdToken"].(string)
	if token == "" {
		return "", fmt.Errorf("no ID token in %v", out)
	}
	return token, nil
}

// cognito calls one operation of the local Cognito's JSON API.
func cognito(ctx context.Context, u URLs, op string, in any) (map[string]any, error) {
	raw, _ := json.Marshal(in)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u.Cognito, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cognito %s: %d %v", op, res.StatusCode, out)
	}
	return out, nil
}

// List follows nextCursor through every page of a list endpoint (100 a page), appending the
// entries of the page's field to out.
func List[T any](ctx context.Context, c *http.Client, endpoint, token, field string, out *[]T) error {
	cursor := ""
	for {
		u := endpoint + "?limit=100"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		var page map[string]json.RawMessage
		if err := GetJSON(ctx, c, u, token, &page); err != nil {
			return err
		}
		var entries []T
		if err := json.Unmarshal(page[field], &entries); err != nil {
			return fmt.Errorf("%s: %w", u, err)
		}
		*out = append(*out, entries...)
		var next *string
		_ = json.Unmarshal(page["nextCursor"], &next)
		if next == nil || *next == "" {
			return nil
		}
		cursor = *next
	}
}

// GetJSON GETs u (with the token as Authorization, unless empty) and decodes its 200 answer.
func GetJSON(ctx context.Context, c *http.Client, u, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(out)
}
