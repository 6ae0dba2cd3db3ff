# the interactive viewer (ncurses only here)
