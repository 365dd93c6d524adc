package dev.conman.cli;

import dev.conman.api.v1.GetImageRequest;
import dev.conman.api.v1.Image;
import dev.conman.api.v1.ListImagesRequest;
import dev.conman.api.v1.PullImageRequest;
import dev.conman.api.v1.PullImageResponse;
import dev.conman.api.v1.RemoveImageRequest;
import dev.conman.api.v1.RemoveImageResponse;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The noun "image": pull, list, inspect and remove images in the daemon's store (its verbs: {@link CommandTree}). */
@Command(name = "image", description = "Pull images from OCI registries; list, inspect and remove them.")
final class ImageCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return Conmanctl.missingCommand(spec);
  }

  @Command(name = "pull", description = "Pull an image (blobs already in the store are not downloaded again).")
  static final class Pull extends DaemonCommand {
    @Parameters(paramLabel = "REF", description = "Image reference, e.g. localhost:5000/busybox:latest or"
        + " busybox (= docker.io/library/busybox:latest). Registries on loopback are spoken to over HTTP.")
    String reference;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines; print only the image id.")
    boolean quiet;

    @Override
    protected int run(Daemon daemon, Console console) {
      PullImageResponse r = null;
      var updates = daemon.imagesWithoutDeadline().pullImageProgress(PullImageRequest.newBuilder()
          .setReference(reference).build());
      while (updates.hasNext()) {
        var update = updates.next();
        if (update.hasDone()) {
          r = update.getDone();
        } else if (!quiet && !console.json()) {
          ImageFormat.progress(update.getProgress()).ifPresent(console::progress);
        }
      }
      if (r == null) {
        throw new CliException(ExitCodes.ERROR, "the daemon ended the pull without a result");
      }
      console.line(console.json() ? ImageFormat.json(r.getImage()) : r.getImage().getId()
          + (quiet ? "" : " (" + r.getBlobsDownloaded() + " blobs, " + ImageFormat.size(r.getBytesDownloaded())
              + " downloaded)"));
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List the images in the store.")
  static final class ListImages extends DaemonCommand {
    @Override
    protected int run(Daemon daemon, Console console) {
      List<Image> images = daemon.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
      if (console.json()) {
        console.line(ImageFormat.json(images));
      } else {
        console.text(ImageFormat.table(images));
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "inspect", description = "Show an image: its names, layers and container defaults (JSON).")
  static final class Inspect extends DaemonCommand {
    @Parameters(paramLabel = "REF", description = "Image reference, full id (sha256:...) or unique id prefix.")
    String ref;

    @Override
    protected int run(Daemon daemon, Console console) {
      console.line(ImageFormat.json(daemon.images().getImage(GetImageRequest.newBuilder().setRef(ref).build())
          .getImage()));
      return ExitCodes.OK;
    }
  }

  @Command(name = "remove", aliases = "rm", description = "Remove an image tag (or, by id, the image).")
  static final class Remove extends DaemonCommand {
    @Option(names = {"-f", "--force"}, description = "Remove even while a container uses it (the container keeps"
        + " its layers until it is deleted).")
    boolean force;

    @Parameters(paramLabel = "REF", description = "Image reference, full id or unique id prefix.")
    String ref;

    @Override
    protected int run(Daemon daemon, Console console) {
      printRemoval(daemon.images().removeImage(RemoveImageRequest.newBuilder().setRef(ref).setForce(force).build()),
          console);
      return ExitCodes.OK;
    }
  }

  @Command(name = "prune", description = "Remove the images no container uses: those without a tag (dangling),"
      + " or with --all every one, as docker image prune does. Asks first at a terminal; --force does not ask."
      + " Prints what it untagged and deleted.")
  static final class Prune extends DaemonCommand {
    @Option(names = {"-a", "--all"}, description = "Every image no container uses, tagged or not.")
    boolean all;

    @Option(names = {"-f", "--force"}, description = "Do not ask for confirmation (needed without a terminal).")
    boolean force;

    @Override
    protected int run(Daemon daemon, Console console) {
      String what = all ? "every image no container uses" : "every image without a tag that no container uses";
      if (!force && !Pruning.confirmed("This removes " + what + ".")) {
        console.error("prune removes " + what + "; nothing was removed (confirm at a terminal, or add --force)");
        return ExitCodes.USAGE;
      }
      List<Image> candidates = daemon.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()
          .stream().filter(i -> all || i.getRepoTagsCount() == 0).toList();
      // by id, without force: the daemon refuses an image a container uses, and prune leaves it
      return Pruning.removeEach(candidates, i -> daemon.images().removeImage(RemoveImageRequest.newBuilder()
          .setRef(i.getId()).build()), r -> printRemoval(r, console), console);
    }
  }

  private static void printRemoval(RemoveImageResponse r, Console console) {
    r.getUntaggedList().forEach(t -> console.line("untagged " + t));
    if (r.getDeleted()) {
      console.line("deleted " + r.getId());
    }
  }
}
