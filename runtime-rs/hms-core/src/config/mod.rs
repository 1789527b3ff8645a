//! Work in progress (issue 10).
