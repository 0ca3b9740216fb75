/*
 * gate.S: every syscall instruction of the agent, in one range. The agent
 * arms syscall user dispatch with this range allowed, so these are the
 * only syscalls of an armed thread that the kernel runs without a SIGSYS.
 */
	.section .text.xa_gate,"ax",@progbits
	.globl xa_gate_start, xa_gate_end, xa_syscall6, xa_clone_stack, xa_restore_rt, xa_sigreturn_at
	.hidden xa_gate_start, xa_gate_end, xa_syscall6, xa_clone_stack, xa_restore_rt, xa_sigreturn_at, xa_child_start

/* SYSCALL_ARGS moves a C call's (nr, a1..a6) into the syscall registers. */
	.macro SYSCALL_ARGS
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %r10
	mov %r9, %r8
	mov 8(%rsp), %r9
	.endm

xa_gate_start:

/* long xa_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) */
	.type xa_syscall6,@function
xa_syscall6:
	SYSCALL_ARGS
	syscall
	ret
	.size xa_syscall6, .-xa_syscall6

/* long xa_clone_stack(long nr, long a1, ..., long a6): clone or clone3
 * whose child starts on a new stack, where the caller put a struct
 * cframe (agent.c) at the child's stack pointer: the user's registers at
 * the trap and the stack pointer the child must end with. The parent
 * returns the result. The child never returns through the handler's frame
 * (it is on another stack): it calls xa_child_start to arm itself, loads
 * the user's registers from the frame and jumps to where the program's
 * syscall would have returned, with rax 0 and rsp the program's stack.
 * rcx and r11 are scratch, as after any syscall. */
	.type xa_clone_stack,@function
xa_clone_stack:
	SYSCALL_ARGS
	syscall
	test %rax, %rax
	jnz 1f
	mov %rsp, %rdi
	call xa_child_start
	mov %rsp, %rax
	mov 136(%rax), %rcx
	mov 128(%rax), %r11
	mov %r11, -8(%rcx)
	mov 0(%rax), %r8
	mov 8(%rax), %r9
	mov 16(%rax), %r10
	mov 32(%rax), %r12
	mov 40(%rax), %r13
	mov 48(%rax), %r14
	mov 56(%rax), %r15
	mov 64(%rax), %rdi
	mov 72(%rax), %rsi
	mov 80(%rax), %rbp
	mov 88(%rax), %rbx
	mov 96(%rax), %rdx
	lea -8(%rcx), %rsp
	xor %eax, %eax
1:	ret
	.size xa_clone_stack, .-xa_clone_stack

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
