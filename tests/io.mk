## tests owned by the io layer
