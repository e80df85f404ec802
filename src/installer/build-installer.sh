#!/usr/bin/env bash
# Builds the Linux packages from what `mvn package` left in the build directory; `mvn -B package
# -Pinstaller` runs it (exec-maven-plugin) with: VERSION BUILD_DIR DJL_VERSION.
# Writes BUILD_DIR/installer/vbp-studio_VERSION_amd64.deb and vbp-studio-VERSION-linux-x86_64.tar.gz
# (the app image). Needs JDK 17's jdeps/jlink/jpackage, zip/unzip, and for the .deb dpkg-deb,
# fakeroot and objdump (binutils). Downloads nothing.
#
# The native libraries are taken out of their jars here and placed where each loader looks before
# it would extract (or download) anything, so the installed app writes nothing beside itself, to
# ~/.djl.ai or to ~/.openjfx:
#   PyTorch: DJL uses its engine cache as is when the library and the JNI library are already there
#     (ENGINE_CACHE_DIR=$APPDIR/native, the folder named version-flavor-classifier as DJL names it);
#   ONNX Runtime: onnxruntime.native.path (model/onnx/OnnxNative then extracts nothing);
#   JavaFX: its libraries go into the runtime's lib/ and are left out of its modules, which would
#     otherwise be extracted to ~/.openjfx/cache.
set -euo pipefail

VERSION=$1
BUILD=$(cd "$2" && pwd)
DJL_VERSION=$3
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=$(cd "$HERE/../.." && pwd)
NAME=vbp-studio
WORK=$BUILD/installer-work
OUT=$BUILD/installer

rm -rf "$WORK" "$OUT"
mkdir -p "$WORK/input/lib" "$OUT"
INPUT=$WORK/input

# 1. The application's jars; JavaFX goes into the runtime image instead. The list is the jar
# manifest's Class-Path, not every file in target/lib: a stale jar left there by an earlier build
# (another version, a dependency since removed) must not ship.
cp "$BUILD/$NAME.jar" "$INPUT/"
class_path=$(unzip -p "$BUILD/$NAME.jar" META-INF/MANIFEST.MF | tr -d '\r' \
    | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n //g' | sed -n 's/^Class-Path: //p')
[ -n "$class_path" ] || { echo "$BUILD/$NAME.jar: no Class-Path in its manifest" >&2; exit 1; }
javafx=()
for entry in $class_path; do
    jar="$BUILD/$entry"
    [ -f "$jar" ] || { echo "$jar: named in the manifest's Class-Path but missing" >&2; exit 1; }
    case "$(basename "$jar")" in
        javafx-*-linux.jar) javafx+=("$jar") ;;
        javafx-*) ;; # the empty platform-independent jars
        *) cp "$jar" "$INPUT/lib/" ;;
    esac
done
cp -r "$BASE/sample-models" "$INPUT/"

# 2. PyTorch: the libraries of pytorch-native-cpu and the JNI library, laid out as DJL's cache.
native_jar=$(ls "$INPUT"/lib/pytorch-native-cpu-*.jar)
jni_jar=$(ls "$INPUT"/lib/pytorch-jni-*.jar)
prop() { unzip -p "$native_jar" native/lib/pytorch.properties | sed -n "s/^$1=//p" | tr -d '\r'; }
pt_version=$(prop version); pt_flavor=$(prop flavor); pt_classifier=$(prop classifier)
torch_dir=$INPUT/native/pytorch/$pt_version-$pt_flavor-$pt_classifier
mkdir -p "$torch_dir"
unzip -q -j -d "$torch_dir" "$native_jar" "pytorch/$pt_flavor/$pt_classifier/*"
unzip -p "$jni_jar" "jnilib/$pt_classifier/$pt_flavor/libdjl_torch.so" > "$torch_dir/$DJL_VERSION-libdjl_torch.so"
[ -s "$torch_dir/$DJL_VERSION-libdjl_torch.so" ] && [ -s "$torch_dir/libtorch_cpu.so" ]
# The jars keep their properties (DJL reads the platform from them), not the libraries.
zip -q -d "$native_jar" "pytorch/*"
zip -q -d "$jni_jar" "jnilib/*/*"

# 3. ONNX Runtime: this platform's two libraries, none left in the jar.
ort_jar=$(ls "$INPUT"/lib/onnxruntime-*.jar)
unzip -q -j -d "$INPUT/native/onnxruntime" "$ort_jar" "ai/onnxruntime/native/linux-x64/*"
[ -s "$INPUT/native/onnxruntime/libonnxruntime.so" ] && [ -s "$INPUT/native/onnxruntime/libonnxruntime4j_jni.so" ]
zip -q -d "$ort_jar" "ai/onnxruntime/native/*"

# 4. The runtime: the JDK modules the application uses (jdeps), JavaFX's, nothing else.
classpath=$(ls "$INPUT"/lib/*.jar | tr '\n' ':')
fxpath=$(printf '%s:' "${javafx[@]}")
modules=$(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps \
    --class-path "$classpath" --module-path "$fxpath" "$INPUT/$NAME.jar")
echo "runtime modules: $modules"
jlink --module-path "$fxpath" --add-modules "$modules" --output "$WORK/runtime" \
    --strip-debug --no-header-files --no-man-pages --compress=2 --exclude-resources='glob:/javafx.*/*.so'
for jar in "${javafx[@]}"; do
    unzip -q -o -j -d "$WORK/runtime/lib" "$jar" '*.so' 2>/dev/null || true # javafx.base has none
done

# 5. The app image (bin/vbp-studio, lib/app, lib/runtime) and its tarball.
java_options=(
    --java-options "-Dai.djl.offline=true"
    --java-options "-DENGINE_CACHE_DIR=\$APPDIR/native"
    --java-options "-Donnxruntime.native.path=\$APPDIR/native/onnxruntime"
)
jpackage --type app-image --name "$NAME" --app-version "$VERSION" \
    --input "$INPUT" --main-jar "$NAME.jar" --main-class org.vbpstudio.Main \
    --runtime-image "$WORK/runtime" --icon "$HERE/$NAME.png" "${java_options[@]}" \
    --description "Variance-Based Pruning of trained vision models" --vendor "VBP Studio" \
    --dest "$WORK/image"
cp "$HERE/$NAME.png" "$WORK/image/$NAME/lib/$NAME.png"
tar -C "$WORK/image" -czf "$OUT/$NAME-$VERSION-linux-x86_64.tar.gz" "$NAME"

# 6. The .deb of the same image: menu entry, .vbps sessions, /usr/bin/vbp-studio (postinst).
# gzip: dpkg-deb's default (xz) took over 15 minutes on 2 busy cores for the half gigabyte of
# PyTorch; gzip takes about as long as the tarball and every dpkg reads it.
export DPKG_DEB_COMPRESSOR_TYPE=${DPKG_DEB_COMPRESSOR_TYPE:-gzip}
mkdir -p "$WORK/resources"
cp "$HERE"/resources/* "$WORK/resources/"
cp "$HERE/$NAME.png" "$WORK/resources/$NAME.png"
jpackage --type deb --app-image "$WORK/image/$NAME" --name "$NAME" --app-version "$VERSION" \
    --description "Variance-Based Pruning of trained vision models" --vendor "VBP Studio" \
    --resource-dir "$WORK/resources" --icon "$HERE/$NAME.png" \
    --file-associations "$HERE/vbps.properties" \
    --linux-shortcut --linux-menu-group "Science;Education" --linux-app-category science \
    --linux-deb-maintainer vbp-studio@localhost --install-dir /opt \
    --dest "$WORK/deb"
mv "$WORK"/deb/*.deb "$OUT/${NAME}_${VERSION}_amd64.deb"
ls -l "$OUT"
echo "build-installer: the packages took ${SECONDS} s"
