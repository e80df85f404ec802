package org.vbpstudio.cli;

import org.vbpstudio.io.Versions;
import picocli.CommandLine.IVersionProvider;

/** {@code vbp-studio --version}: the app's and its libraries' versions as the build recorded them, and the Java running them. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return Versions.current().lines().toArray(String[]::new);
    }
}
