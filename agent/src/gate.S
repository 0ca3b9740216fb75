/*
 * gate.S: every syscall instruction of the agent, in one range. The agent
 * arms syscall user dispatch with this range allowed, so these are the
 * only syscalls of an armed thread that the kernel runs without a SIGSYS.
 */
	.section .text.xa_gate,"ax",@progbits
	.globl xa_gate_start, xa_gate_end, xa_syscall6, xa_restore_rt, xa_sigreturn_at
	.hidden xa_gate_start, xa_gate_end, xa_syscall6, xa_restore_rt, xa_sigreturn_at

xa_gate_start:

/* long xa_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) */
	.type xa_syscall6,@function
xa_syscall6:
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %r10
	mov %r9, %r8
	mov 8(%rsp), %r9
	syscall
	ret
	.size xa_syscall6, .-xa_syscall6

/* The restorer of the agent's SIGSYS handler: rt_sigreturn on the frame
 * the kernel built, which the handler's ret left at %rsp. */
	.type xa_restore_rt,@function
xa_restore_rt:
	mov $15, %eax
	syscall
	hlt
	.size xa_restore_rt, .-xa_restore_rt

/* void xa_sigreturn_at(void *sp): the program's own rt_sigreturn, run on
 * the stack pointer it trapped with, so the kernel finds the program's
 * signal frame there. Does not return. */
	.type xa_sigreturn_at,@function
xa_sigreturn_at:
	mov %rdi, %rsp
	mov $15, %eax
	syscall
	hlt
	.size xa_sigreturn_at, .-xa_sigreturn_at

xa_gate_end:
	.section .note.GNU-stack,"",@progbits
