/* pull.c - ref -> registry -> manifest -> config -> layers (download while unpacking) ->
 * index. Every digest is checked before anything is recorded. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "image.h"
#include "layer.h"
#include "progress.h"
#include "pull.h"
#include "ref.h"
#include "regconf.h"
#include "registry.h"

void cb_pull_opts_default(struct cb_pull_opts *o)
{
	memset(o, 0, sizeof(*o));
	cb_platform_host(&o->platform);
	o->tls_verify = 1;
	o->retries = 3;
	o->retry_delay_ms = 1000;
	o->jobs = 3;
}

/* ---- one layer: partial blob on disk + the rest from the network ---- */

struct layer_src {
	int partial_fd;      /* tmp/blob-<hex>.partial, appended as bytes arrive */
	long long from_file; /* bytes still to replay from the partial file */
	struct cb_reader *net;
	struct cb_progress *pg;
	int slot;
	long long done;
};

static ssize_t layer_src_read(void *ctx, void *buf, size_t len, cb_err *e)
{
	struct layer_src *ls = ctx;
	if (ls->from_file > 0) {
		ssize_t n = read(ls->partial_fd, buf, len < (size_t)ls->from_file ? len : (size_t)ls->from_file);
		if (n <= 0)
			return cb_fail_errno(e, n < 0 ? errno : EIO, "reading the partial download");
		ls->from_file -= n;
		ls->done += n;
		cb_progress_set(ls->pg, ls->slot, ls->done);
		return n;
	}
	ssize_t n = cb_read(ls->net, buf, len, e);
	if (n > 0) {
		ls->done += n;
		cb_progress_set(ls->pg, ls->slot, ls->done);
	}
	if (n > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(ls->partial_fd, (char *)buf + off, (size_t)(n - off));
			if (w < 0)
				return cb_fail_errno(e, errno, "saving the partial download");
			off += w;
		}
	}
	return n;
}

struct job {
	struct cb_store *s;
	const struct cb_pull_opts *o;
	struct cb_progress *pg;
	int slot;
	const struct cb_registry *reg;
	const char *repo;
	const struct cb_layer_desc *layer;
	struct cb_unpack_stats stats;
	cb_err err;
	int result;
};

int cb_pull_opt(struct cb_pull_opts *o, int id, const char *arg, cb_err *e)
{
	switch (id) {
	case CB_PULL_O_PLATFORM:
		return cb_platform_parse(arg, &o->platform, e) < 0 ? -EINVAL : 1;
	case CB_PULL_O_TLS:
		o->tls_verify = strcmp(arg, "true") == 0;
		return 1;
	case CB_PULL_O_CERTDIR:
		o->cert_dir = arg;
		return 1;
	case CB_PULL_O_CREDS:
		o->creds = arg;
		return 1;
	}
	return 0;
}

static int transient(int r)
{
	return r == -EAGAIN || r == -EPIPE || r == -ECONNRESET || r == -ETIMEDOUT || r == -EIO;
}

/* One attempt: (partial file + the rest from the network) -> the layer pipeline. */
static int layer_attempt(struct job *j, struct cb_registry *reg, int partial_fd, cb_err *e)
{
	const struct cb_layer_desc *l = j->layer;
	struct stat st;
	if (fstat(partial_fd, &st) < 0)
		return cb_fail_errno(e, errno, "partial download of %s", l->digest);
	long long have = st.st_size < l->size ? st.st_size : 0;
	struct cb_http_response rs;
	char what[128];
	snprintf(what, sizeof(what), "blobs/%s", l->digest);
	int r = cb_registry_get(reg, j->repo, what, NULL, have, &rs, e);
	if (r < 0)
		return r;
	if (have > 0 && rs.status != 206) {
		cb_debug("layer %s: registry ignored the range; starting over", l->digest);
		have = 0;
	}
	if (have == 0 && ftruncate(partial_fd, 0) < 0) {
		cb_http_response_end(reg->http, &rs);
		return cb_fail_errno(e, errno, "partial download of %s", l->digest);
	}
	if (have > 0)
		cb_progress_msg(j->pg, "Resuming blob %.12s at %lld of %lld bytes", l->digest + 7, have, l->size);
	/* The partial file is replayed from 0; O_APPEND puts new bytes at its end. */
	lseek(partial_fd, 0, SEEK_SET);
	struct layer_src src = { partial_fd, have, &rs.body, j->pg, j->slot, 0 };
	struct cb_reader src_r = { layer_src_read, &src };
	r = cb_layer_store(j->s, &src_r, l, &j->stats, e);
	cb_http_response_end(reg->http, &rs);
	return r;
}

static int pull_layer(struct job *j, struct cb_registry *reg, cb_err *e)
{
	const struct cb_layer_desc *l = j->layer;
	char partial[128];
	int lock CB_AUTOCLOSE = cb_layer_lock(j->s, l, e);
	if (lock < 0)
		return lock;
	if (cb_store_has_layer(j->s, l->chain_id)) {
		cb_progress_end(j->pg, j->slot, "skipped: already exists");
		return 0;
	}
	snprintf(partial, sizeof(partial), "tmp/blob-%s.partial", cb_digest_hex(l->digest));
	int pfd CB_AUTOCLOSE = -1;
	struct stat pst;
	/* Ours while locked (prune -a drops the partials nobody holds); one it removed just
	 * before we locked it is made again. */
	do {
		if (pfd >= 0)
			close(pfd);
		pfd = openat(j->s->rootfd, partial, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (pfd < 0 || flock(pfd, LOCK_EX) < 0 || fstat(pfd, &pst) < 0)
			return cb_fail_errno(e, errno, "%s/%s", j->s->root, partial);
	} while (pst.st_nlink == 0);
	int delay = j->o->retry_delay_ms;
	for (int attempt = 0;; attempt++) {
		int r = layer_attempt(j, reg, pfd, e);
		if (r == 0) {
			unlinkat(j->s->rootfd, partial, 0);
			cb_progress_end(j->pg, j->slot, "done");
			return 0;
		}
		if (!transient(r)) {
			/* Refused (bad content, an unsafe entry, a full disk): nothing to resume. */
			unlinkat(j->s->rootfd, partial, 0);
			return r;
		}
		if (attempt >= j->o->retries) {
			if (fstat(pfd, &pst) == 0 && pst.st_size == 0)
				unlinkat(j->s->rootfd, partial, 0); /* nothing to resume */
			return r;
		}
		if (j->pg && !j->o->quiet)
			cb_progress_msg(j->pg, "Error: %s; retrying in %d ms (%d of %d)", e->msg, delay, attempt + 1,
					j->o->retries);
		else
			cb_warn("%s; retrying in %d ms (%d of %d)", e->msg, delay, attempt + 1, j->o->retries);
		struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		delay *= 2;
	}
}

struct pool {
	pthread_mutex_t mu;
	struct job *jobs;
	int njobs, next, failed;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct cb_registry reg;
	cb_err e;
	int have_reg = 0;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		int i = p->failed ? p->njobs : p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->njobs)
			break;
		struct job *j = &p->jobs[i];
		if (!have_reg) {
			j->result = cb_registry_clone(&reg, j->reg, &e);
			if (j->result < 0) {
				j->err = e;
				pthread_mutex_lock(&p->mu);
				p->failed = 1;
				pthread_mutex_unlock(&p->mu);
				break;
			}
			have_reg = 1;
		}
		j->result = pull_layer(j, &reg, &j->err);
		if (j->result < 0) {
			pthread_mutex_lock(&p->mu);
			p->failed = 1;
			pthread_mutex_unlock(&p->mu);
		}
	}
	if (have_reg)
		cb_registry_close(&reg);
	return NULL;
}

static int pull_layers(struct cb_store *s, const struct cb_pull_opts *o, struct cb_progress *pg,
		       const struct cb_registry *reg, const char *repo, struct cb_manifest *m, cb_err *e)
{
	struct job *jobs = calloc((size_t)m->nlayers + 1, sizeof(*jobs));
	if (!jobs)
		return cb_fail(e, ENOMEM, "out of memory");
	struct pool p = { PTHREAD_MUTEX_INITIALIZER, jobs, 0, 0, 0 };
	for (int i = 0; i < m->nlayers; i++) {
		char label[40];
		snprintf(label, sizeof(label), "Copying blob %.12s", m->layers[i].digest + 7);
		int slot = cb_progress_add(pg, label, m->layers[i].size);
		if (cb_store_has_layer(s, m->layers[i].chain_id)) {
			cb_progress_end(pg, slot, "skipped: already exists");
			continue;
		}
		jobs[p.njobs++] = (struct job){ s, o, pg, slot, reg, repo, &m->layers[i], { 0, 0, 0, 0 }, { 0, "" }, 0 };
	}
	int nthreads = p.njobs < o->jobs ? p.njobs : o->jobs;
	pthread_t th[16];
	if (nthreads > 16)
		nthreads = 16;
	int started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, worker, &p) != 0)
			break;
	if (started == 0 && p.njobs)
		worker(&p);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	int r = 0;
	struct cb_unpack_stats total = { 0 };
	for (int i = 0; i < p.njobs; i++) {
		if (jobs[i].result < 0 && r == 0) {
			*e = jobs[i].err;
			r = jobs[i].result;
		}
		if (jobs[i].result < 0)
			cb_progress_end(pg, jobs[i].slot, "failed");
		total.squashed_ids += jobs[i].stats.squashed_ids;
		total.skipped_devices += jobs[i].stats.skipped_devices;
		total.unrecorded_ids += jobs[i].stats.unrecorded_ids;
	}
	if (r == 0)
		cb_layer_report(repo, &total);
	free(jobs);
	return r;
}

/* ---- the image ---- */

static int fetch_manifests(struct cb_store *s, const struct cb_pull_opts *o, struct cb_registry *reg,
			   const char *repo, const char *ref, struct cb_manifest *m, char *manifest_digest,
			   char *index_digest, cb_err *e)
{
	char *doc = NULL, ct[128], digest[CB_DIGEST_LEN + 1];
	size_t len;
	int r = cb_registry_manifest(reg, repo, ref, &doc, &len, ct, sizeof(ct), digest, e);
	if (r < 0)
		return r;
	r = cb_manifest_parse(doc, len, ct, m, e);
	if (r == 0)
		r = cb_store_put_blob(s, digest, doc, len, e);
	index_digest[0] = '\0';
	if (r == 0 && m->kind == CB_MANIFEST_INDEX) {
		char mt[128];
		strcpy(index_digest, digest);
		r = cb_index_select(doc, &o->platform, digest, mt, sizeof(mt), e);
		free(doc);
		doc = NULL;
		if (r < 0)
			return cb_err_prefix(e, "%s/%s", reg->name, repo);
		r = cb_registry_manifest(reg, repo, digest, &doc, &len, ct, sizeof(ct), digest, e);
		if (r == 0)
			r = cb_manifest_parse(doc, len, mt[0] ? mt : ct, m, e);
		if (r == 0 && m->kind != CB_MANIFEST_IMAGE)
			r = cb_fail(e, EINVAL, "%s/%s: index %s points at another index", reg->name, repo, index_digest);
		if (r == 0)
			r = cb_store_put_blob(s, digest, doc, len, e);
	}
	free(doc);
	if (r == 0)
		strcpy(manifest_digest, digest);
	return r;
}

static int pull_from(struct cb_store *s, const struct cb_pull_opts *o, struct cb_progress *pg,
		     const struct cb_ref *name, const struct cb_pull_source *src, char *image_id, cb_err *e)
{
	struct cb_registry reg;
	struct cb_registry_opts ro = { o->tls_verify, src->insecure, o->cert_dir, o->creds, 0 };
	struct cb_manifest m = { 0 };
	char manifest_digest[CB_DIGEST_LEN + 1], index_digest[CB_DIGEST_LEN + 1], *config = NULL;
	size_t config_len;
	struct cb_platform got;
	int r = cb_registry_open(&reg, src->registry, &ro, e);
	if (r < 0)
		return r;
	r = fetch_manifests(s, o, &reg, src->repo, name->digest[0] ? name->digest : name->tag, &m, manifest_digest,
			    index_digest, e);
	if (r == 0 && cb_store_has_blob(s, m.config_digest)) {
		r = cb_store_get_blob(s, m.config_digest, &config, &config_len, e);
	} else if (r == 0) {
		r = cb_registry_small_blob(&reg, src->repo, m.config_digest, m.config_size, &config, &config_len, e);
		if (r == 0)
			r = cb_store_put_blob(s, m.config_digest, config, config_len, e);
		if (r == 0)
			cb_progress_msg(pg, "Copying config %.12s done", m.config_digest + 7);
	}
	if (r == 0)
		r = cb_config_apply(&m, config, &got, e);
	if (r == 0 && !cb_platform_matches(&o->platform, &got))
		cb_warn("image platform (%s/%s%s%s) does not match the expected platform (%s/%s%s%s)", got.os, got.arch,
			got.variant[0] ? "/" : "", got.variant, o->platform.os, o->platform.arch,
			o->platform.variant[0] ? "/" : "", o->platform.variant);
	if (r == 0)
		r = pull_layers(s, o, pg, &reg, src->repo, &m, e);
	if (r == 0) {
		char full[700], repo_digest[700];
		struct cb_ref named = *name;
		named.digest[0] = '\0';
		if (!named.tag[0])
			named.tag[0] = '\0';
		cb_ref_format(&named, full, sizeof(full));
		snprintf(repo_digest, sizeof(repo_digest), "%s/%s@%s", name->registry, name->repo,
			 index_digest[0] ? index_digest : manifest_digest);
		cb_progress_msg(pg, "Writing manifest to image destination");
		r = cb_image_record(s, name->tag[0] ? full : repo_digest, repo_digest, manifest_digest, config, &m, e);
	}
	if (r == 0)
		strcpy(image_id, m.config_digest);
	free(config);
	cb_manifest_free(&m);
	cb_registry_close(&reg);
	return r;
}

int cb_pull(struct cb_store *s, const char *arg, const struct cb_pull_opts *o, char image_id[CB_DIGEST_LEN + 1],
	    cb_err *e)
{
	struct cb_ref ref;
	struct cb_regconf rc;
	const char **search = NULL;
	int nsearch = 0, r;
	if ((r = cb_ref_parse(arg, &ref, e)) < 0)
		return r;
	if ((r = cb_regconf_load(&rc, e)) < 0)
		return r;
	struct cb_ref candidates[CB_REGCONF_MAX];
	struct cb_progress *pg = cb_progress_new(o->quiet);
	int ncand = 0;
	if (ref.registry[0]) {
		candidates[ncand++] = ref;
	} else if ((r = cb_regconf_resolve_short(&rc, &ref, &search, &nsearch, e)) == 1) {
		candidates[ncand++] = ref;
	} else if (r == 0) {
		for (int i = 0; i < nsearch && ncand < CB_REGCONF_MAX; i++) {
			candidates[ncand] = ref;
			if (cb_ref_qualify(&candidates[ncand], search[i], e) == 0)
				ncand++;
		}
	}
	r = r < 0 ? r : -ENOENT;
	if (r == -ENOENT)
		cb_fail(e, ENOENT, "%s: no registry to try", arg);
	for (int c = 0; c < ncand; c++) {
		char name[700];
		struct cb_pull_source srcs[9];
		cb_ref_format(&candidates[c], name, sizeof(name));
		int nsrc = cb_regconf_sources(&rc, &candidates[c], srcs, 9, e);
		if (nsrc < 0) {
			r = nsrc;
			continue;
		}
		cb_progress_msg(pg, "Trying to pull %s...", name);
		for (int i = 0; i < nsrc; i++) {
			r = pull_from(s, o, pg, &candidates[c], &srcs[i], image_id, e);
			if (r == 0)
				goto done;
			if (i + 1 < nsrc || c + 1 < ncand)
				cb_warn("%s", e->msg);
		}
	}
done:
	cb_progress_free(pg);
	cb_regconf_free(&rc);
	if (r < 0)
		cb_err_prefix(e, "pull %s", arg);
	return r;
}
