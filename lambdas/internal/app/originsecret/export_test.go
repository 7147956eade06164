package originsecret

// UpdateInput is updateInput, for the test that every field is carried over.
var UpdateInput = updateInput
