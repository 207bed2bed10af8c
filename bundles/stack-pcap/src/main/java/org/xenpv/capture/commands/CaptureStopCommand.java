package org.xenpv.capture.commands;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.capture.CaptureInfo;
import org.xenpv.capture.Captures;

@Command(scope = "capture", name = "stop", description = "Stops a Nic's capture: writes out the frames it took and"
        + " closes its file")
@Service
public class CaptureStopCommand implements Action {
    @Reference
    Captures captures;

    @Argument(index = 0, name = "nic", required = true, description = "The Nic, for example vif-0")
    @Completion(NicNameCompleter.class)
    String nic;

    @Override
    public Object execute() {
        CaptureInfo info = captures.stop(nic);
        System.out.println(info.nic() + ": " + info.state() + ", " + info.framesWritten() + " frames ("
                + info.bytesWritten() + " bytes) written to " + info.file() + ", " + info.framesDropped()
                + " dropped" + info.failure().map(why -> "; " + why).orElse(""));
        return null;
    }
}
