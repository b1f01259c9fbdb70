/* text.h -- messages quote names and strings from input files, which may
 * hold any bytes: text_one_line keeps a message one printable line (every
 * control character becomes '?'), so an error stays the one line the
 * tools promise. */
#ifndef NNM_TEXT_H
#define NNM_TEXT_H

static inline void text_one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

#endif
