/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* No include guard: included once per ABI, into an array initializer, after that ABI's
 * <asm/unistd*.h>. A call that an ABI does not have (iopl on AArch64, kexec_file_load on i386) is
 * skipped.
 *
 * The kernel interfaces a container has no business with: module loading, kexec, swap, port I/O, the
 * keyring (not namespaced), open_by_handle_at (reaches host inodes with CAP_DAC_READ_SEARCH), process
 * accounting, and vhangup(), which hangs up the caller's controlling terminal: in pipe mode that can be
 * the operator's terminal (see nspawn-seccomp.c). */
#ifdef __NR_kexec_load
        __NR_kexec_load,
#endif
#ifdef __NR_kexec_file_load
        __NR_kexec_file_load,
#endif
#ifdef __NR_init_module
        __NR_init_module,
#endif
#ifdef __NR_finit_module
        __NR_finit_module,
#endif
#ifdef __NR_delete_module
        __NR_delete_module,
#endif
#ifdef __NR_swapon
        __NR_swapon,
#endif
#ifdef __NR_swapoff
        __NR_swapoff,
#endif
#ifdef __NR_iopl
        __NR_iopl,
#endif
#ifdef __NR_ioperm
        __NR_ioperm,
#endif
#ifdef __NR_add_key
        __NR_add_key,
#endif
#ifdef __NR_request_key
        __NR_request_key,
#endif
#ifdef __NR_keyctl
        __NR_keyctl,
#endif
#ifdef __NR_open_by_handle_at
        __NR_open_by_handle_at,
#endif
#ifdef __NR_acct
        __NR_acct,
#endif
#ifdef __NR_vhangup
        __NR_vhangup,
#endif
