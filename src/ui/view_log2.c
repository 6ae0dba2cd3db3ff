#include "config.h"
#include "ui/app.h"
void view_log2_draw(app *a) { (void)a; }
