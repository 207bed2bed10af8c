package org.xenpv.capture.commands;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.capture.CaptureInfo;
import org.xenpv.capture.Captures;

@Command(scope = "capture", name = "start", description = "Captures the frames a Nic sends and receives to a pcapng"
        + " file (created or overwritten; a relative path is resolved against Karaf's base directory, karaf.base)."
        + " Frames that find the capture's buffer full are dropped from the capture and counted, never held up.")
@Service
public class CaptureStartCommand implements Action {
    @Reference
    Captures captures;

    @Argument(index = 0, name = "nic", required = true, description = "The Nic, for example vif-0")
    @Completion(NicNameCompleter.class)
    String nic;

    @Argument(index = 1, name = "file", required = true, description = "The pcapng file; relative to karaf.base")
    String file;

    @Option(name = "--count", aliases = "-c", description = "Stop after this many frames are written (0: no limit)")
    long count;

    @Option(name = "--max-bytes", description = "Stop before the file would grow past this many bytes (0: no limit)")
    long maxBytes;

    /** Karaf takes options only before the arguments; these two may also follow the file. */
    @Argument(index = 2, name = "limits", multiValued = true, description = "--count N and --max-bytes N may also"
            + " follow the file, for example: capture:start vif-0 data/vif-0.pcapng --count 100")
    List<String> limits;

    @Override
    public Object execute() {
        if (limits != null) {
            readTrailingLimits();
        }
        if (count < 0) {
            throw new IllegalArgumentException("--count must be 0 (no limit) or more, not " + count);
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("--max-bytes must be 0 (no limit) or more, not " + maxBytes);
        }
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("not a file path: '" + file + "' (" + e.getReason() + ")", e);
        }
        CaptureInfo info;
        try {
            info = captures.start(nic, path, count, maxBytes);
        } catch (IllegalStateException | IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        StringBuilder line = new StringBuilder("capturing ").append(info.nic()).append(" to ").append(info.file());
        if (count != 0) {
            line.append(", up to ").append(count).append(" frames");
        }
        if (maxBytes != 0) {
            line.append(", up to ").append(maxBytes).append(" bytes");
        }
        System.out.println(line);
        return null;
    }

    private void readTrailingLimits() {
        for (int i = 0; i < limits.size(); i++) {
            String token = limits.get(i);
            String name = token;
            String value = null;
            int equals = name.indexOf('=');
            if (equals > 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            } else if (i + 1 < limits.size()) {
                value = limits.get(++i);
            }
            boolean isCount = name.equals("--count") || name.equals("-c");
            if (!isCount && !name.equals("--max-bytes")) {
                throw new IllegalArgumentException("unexpected '" + token + "' after the file: only --count N"
                        + " and --max-bytes N may follow it");
            }
            if (value == null) {
                throw new IllegalArgumentException("missing value for " + name);
            }
            long parsed;
            try {
                parsed = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " takes a number, not '" + value + "'", e);
            }
            if (isCount) {
                count = parsed;
            } else {
                maxBytes = parsed;
            }
        }
    }
}
