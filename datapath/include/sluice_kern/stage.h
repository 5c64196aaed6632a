/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel side only. A stage of a program: a global function, which the
 * verifier checks once, on its own, from its argument types, and not again
 * at every call site with the caller's state. That is what keeps a program
 * made of several stages far under the verifier's 1M-instruction limit
 * (docs/tc-datapath.md, "Stages"). The rules that come with
 * it: a stage is not static; its arguments are the context, scalars or
 * pointers to memory of the pointed-to type's size (a pointer stored inside
 * that memory is only a number to the stage: pass it as its own argument);
 * it returns a scalar. Verifier: stack memory passed to a stage must be
 * initialized, even when the stage only writes it (the verifier waives
 * this only for loaders with CAP_PERFMON; we do not count on that).
 */
#ifndef SLUICE_KERN_STAGE_H
#define SLUICE_KERN_STAGE_H

#define SLUICE_STAGE __attribute__((noinline))

/* A stage's pointer argument it may use without a NULL check: the verifier
 * makes every caller prove it is not NULL instead (kernel 6.8+ reads this
 * BTF tag; libbpf 1.1's bpf_helpers.h does not define it yet). */
#ifndef __arg_nonnull
#define __arg_nonnull __attribute__((btf_decl_tag("arg:nonnull")))
#endif

#endif /* SLUICE_KERN_STAGE_H */
