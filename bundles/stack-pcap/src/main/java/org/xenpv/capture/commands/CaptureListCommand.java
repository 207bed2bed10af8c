package org.xenpv.capture.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.xenpv.capture.CaptureInfo;
import org.xenpv.capture.Captures;

@Command(scope = "capture", name = "list", description = "Lists each Nic's latest capture: state, frames and bytes"
        + " written, frames dropped (the capture's buffer was full; the Nic carried them), file")
@Service
public class CaptureListCommand implements Action {
    @Reference
    Captures captures;

    @Option(name = "--no-format", description = "Disable table rendered output")
    boolean noFormat;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Nic");
        table.column("State");
        table.column("Frames").alignRight();
        table.column("Bytes").alignRight();
        table.column("Dropped").alignRight();
        table.column("File");
        List<CaptureInfo> all = captures.list();
        for (CaptureInfo info : all) {
            table.addRow().addContent(info.nic(), info.state(), info.framesWritten(), info.bytesWritten(),
                    info.framesDropped(), info.file());
        }
        table.print(System.out, !noFormat);
        for (CaptureInfo info : all) {
            info.failure().ifPresent(why -> System.out.println(info.nic() + ": " + why));
        }
        return null;
    }
}
