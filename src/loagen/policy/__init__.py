"""The policy: rules, the note library, note selection and the quality checks."""
