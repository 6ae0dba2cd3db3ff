# figures through gnuplot (only here)
