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

# The armv7 binary, the same way (qemu-arm):
#   armv7_ready    0 when 32-bit ARM ELF files run; else prints why
#   run_armv7 ARGS run cbox-armv7 with ARGS
#   armv7_binfmt   0 when the kernel runs them itself (binfmt_misc), which a container's
#                  exec needs; qemu-arm-static by hand covers only cbox itself
CBOX_ARMV7=$TOP/cbox-armv7
ARMV7_RUNNER=
armv7_ready() {
	[ -x "$CBOX_ARMV7" ] || { echo "cbox-armv7 is not built (ARCH=armv7 ./build.sh)"; return 1; }
	if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
	fi
	if [ ! -e /proc/sys/fs/binfmt_misc/qemu-arm ] && command -v update-binfmts >/dev/null; then
		update-binfmts --enable qemu-arm >/dev/null 2>&1 || true
	fi
	"$CBOX_ARMV7" --list >/dev/null 2>&1 && return 0
	if command -v qemu-arm-static >/dev/null; then
		ARMV7_RUNNER=qemu-arm-static
		return 0
	fi
	echo "no binfmt handler and no qemu-arm-static"
	return 1
}
run_armv7() { $ARMV7_RUNNER "$CBOX_ARMV7" "$@"; }
armv7_binfmt() { [ -z "$ARMV7_RUNNER" ]; }
