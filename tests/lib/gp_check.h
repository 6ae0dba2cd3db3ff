/*
 * gp_check.h - a structural check of a gnuplot script written by src/plot
 * (shared by tests/plot/test_plot_script.c and tests/fuzz/fuzz_script.c).
 *
 * What it proves about a script, whatever the names that went into it:
 *   - no byte is a control character other than the newline;
 *   - every datablock ($name << EOD ... EOD) is closed, and each of its
 *     rows is numbers separated by spaces with at most one double-quoted
 *     field at the end (only \\ and \" escaped inside);
 *   - outside single-quoted strings, comments and datablocks there is no
 *     backquote, no double quote and no @ (so nothing gnuplot would
 *     expand: `command`, @macro, "..." with escapes);
 *   - every single-quoted string ends on its line; no comment ends in a
 *     backslash (gnuplot would continue it onto the next line);
 *   - no `set output` names a pipe ('|...');
 *   - no inf or nan (printf's) stands as a number in a command;
 *   - when marker is not NULL, it occurs only inside single-quoted
 *     strings, comments and datablock fields: text from a file never
 *     becomes part of a command.
 * Returns 0, or -1 with the line number and the reason in why.
 */
#ifndef APOTVIEW_TESTS_GP_CHECK_H
#define APOTVIEW_TESTS_GP_CHECK_H

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int gp_check_fail(char *why, size_t len, int line, const char *what)
{
    snprintf(why, len, "line %d: %s", line, what);
    return -1;
}

static int gp_check_is_num(const char *p, size_t n)
{
    if (n == 3 && memcmp(p, "NaN", 3) == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789+-.eE", p[i]))
            return 0;
    return n > 0;
}

static int gp_check(const char *s, size_t len, const char *marker, char *why, size_t wlen)
{
    size_t ml = marker ? strlen(marker) : 0;
    int line = 1, in_data = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            line++;
        else if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7F)
            return gp_check_fail(why, wlen, line, "a control character");
    }
    line = 1;
    size_t pos = 0;
    while (pos < len) {
        const char *l = s + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - l) : len - pos;
        pos += n + 1;
        if (in_data) {
            if (n == 3 && memcmp(l, "EOD", 3) == 0) {
                in_data = 0;
                line++;
                continue;
            }
            size_t k = 0;
            int fields = 0;
            while (k < n && l[k] != '"') {
                size_t e = k;
                while (e < n && l[e] != ' ')
                    e++;
                if (!gp_check_is_num(l + k, e - k))
                    return gp_check_fail(why, wlen, line, "a datablock row with a field that is not a number");
                fields++;
                k = e < n ? e + 1 : e;
            }
            if (k < n) { /* the label: "..." to the end of the line */
                if (fields == 0 || l[k - 1] != ' ')
                    return gp_check_fail(why, wlen, line, "a datablock label not after the numbers");
                size_t q = k + 1;
                while (q < n && l[q] != '"')
                    q += l[q] == '\\' ? 2 : 1;
                if (q != n - 1)
                    return gp_check_fail(why, wlen, line, "a datablock label that does not end the row");
                for (size_t r = k + 1; r < n - 1; r++)
                    if (l[r] == '\\') {
                        if (l[r + 1] != '\\' && l[r + 1] != '"')
                            return gp_check_fail(why, wlen, line, "an escape in a datablock label");
                        r++;
                    }
            }
            line++;
            continue;
        }
        if (n > 8 && l[0] == '$' && n >= 9 && memcmp(l + n - 7, " << EOD", 7) == 0) {
            for (size_t k = 1; k < n - 7; k++)
                if (!((l[k] >= 'a' && l[k] <= 'z') || (l[k] >= 'A' && l[k] <= 'Z') ||
                      (l[k] >= '0' && l[k] <= '9') || l[k] == '_'))
                    return gp_check_fail(why, wlen, line, "a datablock name that is not an identifier");
            in_data = 1;
            line++;
            continue;
        }
        if (n >= 12 && memcmp(l, "set output '", 12) == 0 && n > 12 && l[12] == '|')
            return gp_check_fail(why, wlen, line, "set output to a pipe");
        for (size_t k = 0; k < n; k++) {
            char c = l[k];
            if (c == '\'') {
                /* exactly gnuplot 5.4's scanner: '' is a quote only when
                 * looked ahead to from a character that is not one */
                size_t q = k;
                while (++q < n && l[q] != '\'')
                    if (q + 2 < n && l[q + 1] == '\'' && l[q + 2] == '\'')
                        q += 2;
                if (q >= n)
                    return gp_check_fail(why, wlen, line, "a single-quoted string that does not end on its line");
                /* src/plot never writes two strings in a row: a quote here
                 * means gnuplot ended the string before its writer did */
                if (q + 1 < n && l[q + 1] == '\'')
                    return gp_check_fail(why, wlen, line, "a single-quoted string that gnuplot ends too early");
                k = q;
                continue;
            }
            if (c == '#') {
                if (l[n - 1] == '\\')
                    return gp_check_fail(why, wlen, line, "a comment ending in a backslash");
                break;
            }
            if (c == '`')
                return gp_check_fail(why, wlen, line, "a backquote outside a single-quoted string");
            if (c == '"')
                return gp_check_fail(why, wlen, line, "a double quote outside a single-quoted string");
            if (c == '@')
                return gp_check_fail(why, wlen, line, "an @ (macro) outside a single-quoted string");
            if ((c == 'i' || c == 'n') && n - k >= 3 &&
                (memcmp(l + k, "inf", 3) == 0 || memcmp(l + k, "nan", 3) == 0) &&
                (k == 0 || !(isalnum((unsigned char)l[k - 1]) || l[k - 1] == '_' || l[k - 1] == '$')) &&
                (k + 3 == n || !(isalnum((unsigned char)l[k + 3]) || l[k + 3] == '_')))
                return gp_check_fail(why, wlen, line, "inf or nan as a number");
            if (ml && n - k >= ml && memcmp(l + k, marker, ml) == 0)
                return gp_check_fail(why, wlen, line, "text from a name in a command");
        }
        line++;
    }
    if (in_data)
        return gp_check_fail(why, wlen, line, "a datablock that is not closed");
    return 0;
}

#endif
