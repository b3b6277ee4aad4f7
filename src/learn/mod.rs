//! learn (to come)
