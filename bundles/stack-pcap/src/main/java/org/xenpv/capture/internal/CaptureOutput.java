package org.xenpv.capture.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens where a capture writes: the file itself, or in tests a channel that can be held up. */
@FunctionalInterface
interface CaptureOutput {
    /** Creates the file, or truncates it when it exists. */
    CaptureOutput FILES = file -> FileChannel.open(file, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);

    WritableByteChannel open(Path file) throws IOException;
}
