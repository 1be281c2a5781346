// SPDX-License-Identifier: GPL-2.0
/* results.json: every figure found, every ratio of the tables, each target. */
#include <math.h>
#include <string.h>
#include <time.h>
#include "report.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

static void json_figures(FILE *f)
{
	int id, s, first = 1;
	char key[64];

	for (id = 0; id < FIG_COUNT; id++) {
		int sized = strstr(bench_figs[id].key, "%u") != NULL;

		for (s = 0; s < (sized ? NSIZES : 1); s++) {
			double v = fig(id, sizes[s]);

			if (isnan(v))
				continue;
			fprintf(f, "%s\n    ", first ? "" : ",");
			first = 0;
			json_str(f, fig_key(id, sizes[s], key, sizeof(key)));
			fprintf(f, ": { \"value\": ");
			json_num(f, v);
			fprintf(f, ", \"unit\": ");
			json_str(f, bench_figs[id].unit);
			if (sized && !strcmp(bench_figs[id].unit, "msg/s")) {
				fprintf(f, ", \"MB/s\": ");
				json_num(f, mbps(v, sizes[s]));
			}
			fprintf(f, " }");
		}
	}
}

static void json_targets(FILE *f)
{
	struct verdict v[64];
	int i, n = targets_eval(v, 64);

	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n    { \"what\": ", i ? "," : "");
		json_str(f, v[i].what);
		fprintf(f, ", \"value\": ");
		json_num(f, v[i].value);
		fprintf(f, ", \"bound\": \"%s %g\", \"unit\": ",
			v[i].at_most ? "<=" : ">=", v[i].bound);
		json_str(f, v[i].unit);
		fprintf(f, ", \"verdict\": ");
		json_str(f, v[i].verdict);
		fprintf(f, ", \"plain_ring\": ");
		json_num(f, v[i].ring);
		fprintf(f, " }");
	}
}

void write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	time_t now = time(NULL);
	char when[64];
	int i;

	if (!f) {
		perror(path);
		return;
	}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "{\n  \"generated\": \"%s\",\n  \"figures\": {", when);
	json_figures(f);
	fprintf(f, "\n  },\n  \"ratios\": {");
	for (i = 0; i < nratios; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, ratios[i].name);
		fprintf(f, ": ");
		json_num(f, ratios[i].value);
	}
	fprintf(f, "\n  },\n  \"targets\": [");
	json_targets(f);
	fprintf(f, "\n  ],\n  \"notes\": [");
	for (i = 0; i < nnotes; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, notes[i]);
	}
	fprintf(f, "\n  ]\n}\n");
	fclose(f);
}
