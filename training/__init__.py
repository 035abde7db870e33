"""Training scripts of the course's shipped models. Not packaged: it holds working attention and
LayerNorm code and a ReLU network's forward pass, the answers to exercises of lessons 3-6."""
