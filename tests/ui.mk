## tests owned by the ui layer
