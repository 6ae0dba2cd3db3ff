## tests owned by the plot layer
