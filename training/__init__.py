"""Training scripts of the course's shipped models. Not packaged: it holds working attention and
LayerNorm code, the answers to exercises of lessons 4-5."""
