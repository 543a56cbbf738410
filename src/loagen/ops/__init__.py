"""Operations over many documents, side by side, each through the one pipeline: batch, impact, restate, diff."""
