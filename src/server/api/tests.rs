//! Integration tests of the API through the router.
