# tests/lib/qemu.sh - run the aarch64 binary under qemu-user.
#   arm_ready      0 when aarch64 ELF files run (binfmt_misc, mounted and enabled if
#                  needed, or qemu-aarch64-static by hand); else prints why
#   run_arm ARGS   run cbox-aarch64 with ARGS
ARM_RUNNER=
arm_ready() {
	[ -x "$CBOX_ARM" ] || { echo "cbox-aarch64 is not built"; return 1; }
	if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
	fi
	if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && command -v update-binfmts >/dev/null; then
		update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
	fi
	"$CBOX_ARM" --list >/dev/null 2>&1 && return 0
	if command -v qemu-aarch64-static >/dev/null; then
		ARM_RUNNER=qemu-aarch64-static
		return 0
	fi
	echo "no binfmt handler and no qemu-aarch64-static"
	return 1
}
run_arm() { $ARM_RUNNER "$CBOX_ARM" "$@"; }
