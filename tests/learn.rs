//! learn tests
